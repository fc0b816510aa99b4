import { createHash } from 'node:crypto';
import type { PromptPrefix } from '../usage-event';
import { asRecord, type PrefixParts } from './operation';

/**
 * Fingerprints a prefix without keeping it: SHA-256 of its canonical JSON (object keys sorted, so the same prompt
 * built in another key order hashes the same), its estimated length in tokens (UTF-8 bytes ÷ 4, rounded up: the
 * SDK has no tokenizer, and the recommendations only need the order of magnitude), and its tool count. Nothing
 * when the request has neither tools nor instructions.
 */
export function fingerprintPrefix(parts: PrefixParts): PromptPrefix | undefined {
  if (parts.tools.length === 0 && parts.instructions.length === 0) return undefined;
  const canonical = canonicalJson({ instructions: parts.instructions, tools: parts.tools });
  return {
    hash: createHash('sha256').update(canonical).digest('hex'),
    tokens: Math.ceil(Buffer.byteLength(canonical) / 4),
    tools: parts.tools.length,
  };
}

/** JSON with every object's keys in code-point order; `undefined` members dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = asRecord(value);
  if (record) {
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined && typeof record[k] !== 'function')
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const INSTRUCTION_ROLES = new Set(['system', 'developer']);

/** The leading system and developer messages of a chat (OpenAI chat completions, or a Responses `input` list). */
export function leadingInstructions(messages: unknown): unknown[] {
  if (!Array.isArray(messages)) return [];
  const leading: unknown[] = [];
  for (const message of messages) {
    if (!INSTRUCTION_ROLES.has(String(asRecord(message)?.role))) break;
    leading.push(message);
  }
  return leading;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
