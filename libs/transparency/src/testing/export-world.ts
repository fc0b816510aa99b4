import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { eventHash, type HashedEvent } from '../event-encoding';
import { JsonNumber } from '../exact-json';
import type { ExportLine } from '../export-verifier';
import { consistencyRanges, inclusionRanges, leafHash, MerkleFrontier, rangeHash, type NodeId } from '../merkle';
import { signTreeHead, toAuditPublicKey, type SignedTreeHead } from '../tree-head';

export interface ExportWorldOptions {
  privateKey?: KeyObject;
  /** The position whose data an operator rewrote (every later hash and the tree rebuilt consistently). */
  forgeAt?: number;
  /** Data of some positions, as the store holds it (numbers as `JsonNumber` keep the text jsonb printed). */
  dataAt?: Record<number, unknown>;
}

/**
 * A store of `n` chained events, the Merkle tree over them and a signing key: what the audit service holds, built
 * with this library's functions for the verifier's tests.
 */
export function exportWorld(n: number, options: ExportWorldOptions = {}) {
  const events: (HashedEvent & { hash: string })[] = [];
  let prevHash = '0'.repeat(64);
  for (let position = 1; position <= n; position++) {
    const event: HashedEvent = {
      position,
      streamId: `auth.project-${position % 3}`,
      revision: Math.floor(position / 3),
      eventId: `0190a0b0-0000-7000-8000-${String(position).padStart(12, '0')}`,
      type: position % 2 ? 'ProjectCreated' : 'ProjectUpdated',
      version: 1,
      data:
        options.dataAt?.[position] ??
        (position === options.forgeAt ? { name: 'forged' } : { name: `project ${position}`, amount: '0.000123', ratio: 0.1, tiny: 1e-7 }),
      metadata: { actor: { type: 'user', id: 'u' }, organizationId: position % 2 ? 'org-a' : 'org-b', correlationId: 'c' },
      recordedAt: `2026-12-05T10:00:${String(position % 60).padStart(2, '0')}.123456Z`,
      prevHash,
    };
    const hash = eventHash(event);
    events.push({ ...event, hash });
    prevHash = hash;
  }
  const frontier = MerkleFrontier.empty();
  const nodes = new Map<string, Buffer>();
  const roots = new Map<number, string>();
  for (const e of events) {
    for (const node of frontier.append(leafHash(Buffer.from(e.hash, 'hex')))) nodes.set(`${node.level}:${node.index}`, node.hash);
    roots.set(frontier.treeSize, frontier.root().toString('hex'));
  }
  const node = (id: NodeId) => nodes.get(`${id.level}:${id.index}`)!;
  const privateKey = options.privateKey ?? generateKeyPairSync('ed25519').privateKey;
  const keys = { keys: [toAuditPublicKey(createPublicKey(privateKey), '2026-12-01T00:00:00.000Z')] };
  const head = (size: number): SignedTreeHead =>
    signTreeHead({ treeSize: size, rootHash: roots.get(size)!, timestamp: '2026-12-05T10:01:00.000Z' }, privateKey);
  /** The export of one organization against the head of `size` events, as the audit service writes it. */
  const exportOf = (organizationId: string, size: number): ExportLine[] => [
    { kind: 'head', head: head(size) },
    ...events
      .filter((e) => (e.metadata as { organizationId: string }).organizationId === organizationId)
      .map((event) => ({
        kind: 'event' as const,
        event,
        proof:
          event.position <= size
            ? {
                leafIndex: event.position - 1,
                treeSize: size,
                auditPath: inclusionRanges(event.position - 1, size).map((r) => rangeHash(r, node).toString('hex')),
              }
            : null,
      })),
  ];
  const consistencyProof = async (first: number, second: number) =>
    consistencyRanges(first, second).map((r) => rangeHash(r, node).toString('hex'));
  return { events, keys, head, exportOf, consistencyProof, privateKey };
}

/** One export line's text; a `JsonNumber` is written as its own text, as jsonb printed it. */
export function exportLineText(line: unknown): string {
  const raw: string[] = [];
  const text = JSON.stringify(line, (_key, value: unknown) => {
    if (!(value instanceof JsonNumber)) return value;
    raw.push(value.text);
    return `\u0000raw:${raw.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000raw:(\d+)\\u0000"/g, (_m, i: string) => raw[Number(i)]);
}

export async function* linesOf(lines: readonly unknown[]): AsyncGenerator<string> {
  for (const line of lines) yield exportLineText(line);
}
