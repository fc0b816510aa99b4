import { createHash } from 'node:crypto';
import { eventHash, type HashedEvent } from './event-encoding';
import { JsonNumber, parseExactJson } from './exact-json';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { verifyTreeHead, type AuditKeySet, type SignedTreeHead, type TreeHeadCheck } from './tree-head';

/** One line of the audit log's JSON Lines export (docs/audit.md, "The export"). */
export type ExportLine =
  | { kind: 'head'; head: SignedTreeHead | null }
  | {
      kind: 'event';
      event: HashedEvent & { hash: string };
      proof: { leafIndex: number; treeSize: number; auditPath: string[] } | null;
    };

export interface VerifyExportOptions {
  /** The audit log's public keys (`/.well-known/llmlab-audit-keys.json`), obtained independently of the export. */
  keys: AuditKeySet;
  /** A signed head kept from earlier: the export's head must extend it (or it the export's), history unchanged. */
  checkpoint?: SignedTreeHead;
  /** The RFC 9162 consistency proof between two signed tree sizes (from the platform, or a saved file). */
  consistencyProof?: (first: number, second: number) => Promise<readonly string[]>;
}

export interface ExportFailure {
  /** What failed: the export's head, the saved checkpoint, one event, or the file's shape. */
  subject: 'head' | 'checkpoint' | 'event' | 'file';
  /** 1-based line of the export. */
  line?: number;
  position?: number;
  eventId?: string;
  reason: string;
}

export type VerifyExportResult =
  | {
      ok: true;
      head: SignedTreeHead | null;
      /** Events whose hash and inclusion proof verified. */
      proven: number;
      /** Events newer than the head: their hash verified, but no signed head covers them yet. */
      unproven: number;
      /** The checkpoint the head was proven consistent with, if one was given. */
      checkpoint?: SignedTreeHead;
    }
  | { ok: false; failure: ExportFailure };

const hex = (h: string) => Buffer.from(h, 'hex');
const HEX_HASH = /^[0-9a-f]{64}$/;
/** MTH of the empty tree: SHA-256 of nothing (RFC 9162 2.1.1). */
const EMPTY_ROOT = createHash('sha256').digest('hex');

/**
 * Checks an export with nothing but the public keys: the head's signature; each event's hash recomputed from its
 * content; each event's inclusion proof against the head's root; and, given a head saved earlier, the consistency
 * of the two (history not rewritten between them). Stops at the first failure and names it. Reads the lines as
 * they come: constant memory whatever the export's size.
 */
export async function verifyExport(lines: AsyncIterable<string>, options: VerifyExportOptions): Promise<VerifyExportResult> {
  const fail = (failure: ExportFailure): VerifyExportResult => ({ ok: false, failure });
  let lineNumber = 0;
  let head: SignedTreeHead | null | undefined;
  let lastPosition = 0;
  let proven = 0;
  let unproven = 0;
  for await (const raw of lines) {
    lineNumber += 1;
    if (raw.trim() === '') continue;
    let line: ExportLine;
    try {
      line = readLine(parseExactJson(raw));
    } catch (err) {
      return fail({ subject: 'file', line: lineNumber, reason: `the line is not JSON the export could hold (${(err as Error).message})` });
    }
    if (head === undefined) {
      if (line.kind !== 'head')
        return fail({ subject: 'file', line: lineNumber, reason: 'the export does not start with its signed tree head' });
      head = line.head;
      if (head) {
        const check = checkHead(head, options.keys);
        if (!check.ok)
          return fail({
            subject: 'head',
            line: lineNumber,
            reason: `the tree head of ${head.treeSize} events fails its signature check (${check.reason})`,
          });
      }
      if (options.checkpoint) {
        const failure = await checkConsistency(options, head, options.checkpoint);
        if (failure) return fail({ ...failure, line: lineNumber });
      }
      continue;
    }
    if (line.kind !== 'event' || !line.event) return fail({ subject: 'file', line: lineNumber, reason: 'expected an event line' });
    const { event, proof } = line;
    const at = { subject: 'event' as const, line: lineNumber, position: event.position, eventId: event.eventId };
    if (!Number.isSafeInteger(event.position) || event.position <= lastPosition) {
      return fail({
        ...at,
        reason: `position ${event.position} does not follow ${lastPosition}: events are missing, repeated or reordered`,
      });
    }
    lastPosition = event.position;
    if (!HEX_HASH.test(String(event.hash))) return fail({ ...at, reason: 'its hash is not 64 hex digits' });
    let recomputed: string;
    try {
      recomputed = eventHash(event);
    } catch (err) {
      return fail({ ...at, reason: `its content cannot be encoded: ${(err as Error).message}` });
    }
    if (recomputed !== event.hash) return fail({ ...at, reason: 'its content does not hash to its recorded hash: it was changed' });
    if (!head || event.position > head.treeSize) {
      if (proof) return fail({ ...at, reason: 'it carries a proof against a head that does not cover it' });
      unproven += 1;
      continue;
    }
    if (!proof) return fail({ ...at, reason: `the head covers it (${head.treeSize} events) but it has no inclusion proof` });
    const included =
      proof.treeSize === head.treeSize &&
      proof.leafIndex === event.position - 1 &&
      Array.isArray(proof.auditPath) &&
      proof.auditPath.every((p) => HEX_HASH.test(p)) &&
      verifyInclusion({
        leafIndex: proof.leafIndex,
        treeSize: proof.treeSize,
        leafHash: leafHash(hex(event.hash)),
        auditPath: proof.auditPath.map(hex),
        rootHash: hex(head.rootHash),
      });
    if (!included) return fail({ ...at, reason: `its inclusion proof does not lead to the root signed for ${head.treeSize} events` });
    proven += 1;
  }
  if (head === undefined) return fail({ subject: 'file', reason: 'the export is empty' });
  return { ok: true, head, proven, unproven, ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}) };
}

/** `verifyTreeHead`, for a head read from a file: any field of the wrong type makes it malformed, not a crash. */
function checkHead(head: SignedTreeHead, keys: AuditKeySet): TreeHeadCheck {
  if (typeof head !== 'object' || typeof head.signature !== 'string' || typeof head.keyId !== 'string')
    return { ok: false, reason: 'malformed' };
  try {
    return verifyTreeHead(head, keys);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

/**
 * An export line read exactly: the event's data and metadata keep their numbers' text (what the hash covers); every
 * other number (positions, sizes, indexes) must be an integer, anything else reads as NaN and fails its check.
 */
function readLine(parsed: unknown): ExportLine {
  if (!isObject(parsed)) throw new TypeError('a line is a JSON object');
  const { event, ...rest } = parsed;
  const line = plain(rest) as Record<string, unknown>;
  if (isObject(event)) {
    const { data, metadata, ...fields } = event;
    line.event = { ...(plain(fields) as object), data, metadata };
  } else if (event !== undefined) line.event = plain(event);
  return line as unknown as ExportLine;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

function plain(value: unknown): unknown {
  if (value instanceof JsonNumber) return /^-?(?:0|[1-9]\d*)$/.test(value.text) ? Number(value.text) : Number.NaN;
  if (Array.isArray(value)) return value.map(plain);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

async function checkConsistency(
  options: VerifyExportOptions,
  head: SignedTreeHead | null,
  checkpoint: SignedTreeHead,
): Promise<Omit<ExportFailure, 'line'> | null> {
  const saved = checkHead(checkpoint, options.keys);
  if (!saved.ok)
    return {
      subject: 'checkpoint',
      reason: `the saved tree head of ${checkpoint.treeSize} events fails its signature check (${saved.reason})`,
    };
  if (!head) return { subject: 'head', reason: 'the export has no signed head to compare with the saved one' };
  const [first, second] = checkpoint.treeSize <= head.treeSize ? [checkpoint, head] : [head, checkpoint];
  if (first.treeSize === second.treeSize) {
    return first.rootHash === second.rootHash
      ? null
      : { subject: 'checkpoint', reason: `two signed heads of ${first.treeSize} events have different roots: history was rewritten` };
  }
  // Every tree extends the empty one, whose root is fixed (its signature was checked above).
  if (first.treeSize === 0) {
    return first.rootHash === EMPTY_ROOT
      ? null
      : { subject: 'checkpoint', reason: 'the signed head of 0 events does not have the empty tree’s root' };
  }
  if (!options.consistencyProof)
    return { subject: 'checkpoint', reason: 'a consistency proof is needed to compare the saved head with the export’s' };
  let proof: readonly string[];
  try {
    proof = await options.consistencyProof(first.treeSize, second.treeSize);
  } catch (err) {
    // A log that cannot prove its heads consistent (e.g. it never signed the saved one) has not shown it kept history.
    return {
      subject: 'checkpoint',
      reason: `no consistency proof between the heads of ${first.treeSize} and ${second.treeSize} events (${(err as Error).message})`,
    };
  }
  const consistent =
    Array.isArray(proof) &&
    proof.every((p) => typeof p === 'string' && HEX_HASH.test(p)) &&
    verifyConsistency({
      first: first.treeSize,
      second: second.treeSize,
      firstRoot: hex(first.rootHash),
      secondRoot: hex(second.rootHash),
      proof: proof.map(hex),
    });
  return consistent
    ? null
    : {
        subject: 'checkpoint',
        reason: `the head of ${second.treeSize} events does not extend the head of ${first.treeSize}: history was rewritten`,
      };
}
