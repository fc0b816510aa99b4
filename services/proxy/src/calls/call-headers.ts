import type { IncomingHttpHeaders } from 'node:http';
import type { WireFormat } from './usage-reader';

/** The caller's LLMLab key, and the provider credential to send upstream when the caller brought its own. */
export interface CallerCredentials {
  llmlabKey?: string;
  /** The caller's own provider key, passed through as sent (never stored, never logged). */
  ownProviderKey: boolean;
}

/** What the `X-LLMLab-*` headers add to the recorded usage. */
export interface CallAnnotations {
  tags: Record<string, string>;
  userId?: string;
  sessionId?: string;
  traceId?: string;
}

const LLMLAB_KEY = /^llm_/;
const bearer = (value: string | undefined) => /^Bearer\s+(\S+)$/i.exec(value ?? '')?.[1];
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Where the LLMLab key is: `X-LLMLab-Key` (the caller then sends its own provider key in the provider's usual
 * header), or in place of the provider key (`Authorization: Bearer llm_…` for OpenAI clients, `x-api-key: llm_…`
 * or a bearer token for Anthropic clients), the project's stored provider key then going upstream.
 */
export function callerCredentials(format: WireFormat, headers: IncomingHttpHeaders): CallerCredentials {
  const explicit = one(headers['x-llmlab-key']);
  if (explicit) return { llmlabKey: explicit.trim(), ownProviderKey: true };
  const authorization = bearer(one(headers.authorization));
  if (authorization && LLMLAB_KEY.test(authorization)) return { llmlabKey: authorization, ownProviderKey: false };
  const apiKey = one(headers['x-api-key']);
  if (format === 'anthropic' && apiKey && LLMLAB_KEY.test(apiKey)) return { llmlabKey: apiKey, ownProviderKey: false };
  return { ownProviderKey: true };
}

/**
 * `X-LLMLab-Tags: feature=search, team=core` (comma-separated `key=value`, each part trimmed), `X-LLMLab-User`,
 * `X-LLMLab-Session`, `X-LLMLab-Trace`. Shape only: the usage event's own validation checks the values (lengths,
 * characters) before the call is forwarded.
 */
export function callAnnotations(
  headers: IncomingHttpHeaders,
): { ok: true; value: CallAnnotations } | { ok: false; header: string; message: string } {
  const tags: Record<string, string> = {};
  const raw = one(headers['x-llmlab-tags']);
  for (const part of raw ? raw.split(',') : []) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, header: 'X-LLMLab-Tags', message: 'must be comma-separated key=value pairs' };
    tags[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const text = (name: string) => one(headers[name])?.trim() || undefined;
  return { ok: true, value: { tags, userId: text('x-llmlab-user'), sessionId: text('x-llmlab-session'), traceId: text('x-llmlab-trace') } };
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // The proxy reads the answer: it asks for it uncompressed.
  'accept-encoding',
]);

/** The caller's headers as sent upstream: without hop-by-hop headers, LLMLab's own, and an LLMLab key. */
export function upstreamHeaders(headers: IncomingHttpHeaders, credentials: CallerCredentials): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith('x-llmlab-')) continue;
    if (!credentials.ownProviderKey && (name === 'authorization' || name === 'x-api-key')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out['accept-encoding'] = 'identity';
  return out;
}

/** The project's stored provider key in the header its provider reads. */
export function providerKeyHeader(format: WireFormat, key: string): Record<string, string> {
  return format === 'openai' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };
}

/** The upstream's headers as sent to the caller: the body may be re-framed here, so no length; no cookies. */
export function downstreamHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'set-cookie') continue;
    out[name] = value;
  }
  return out;
}
