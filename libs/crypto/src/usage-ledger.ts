import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SealedUsageRecords, UsageRecordData, UsageRecordedData } from '@llmlab/contracts';
import { open, openText, sealText } from './aes-gcm';

/**
 * Usage detail in the ledger is sealed by project and month (docs/security.md, "Retention of usage detail"): a
 * `UsageRecorded` event's records are grouped by the UTC month of their timestamps, each group sealed under the data
 * key of (organization, project, month). Retention destroys a month's key, and every copy of those records (the
 * event store, the JetStream stream, a backup) becomes unreadable; the chain still verifies, since it hashes the
 * ciphertext.
 */
export function usageLedgerKeySubject(organizationId: string, projectId: string, month: string): string {
  return `usage:${organizationId}:${projectId}:${month}`;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The month of a key subject written by `usageLedgerKeySubject`, or undefined for any other subject. */
export function monthOfUsageLedgerSubject(subjectId: string): string | undefined {
  const month = subjectId.startsWith('usage:') ? subjectId.slice(subjectId.lastIndexOf(':') + 1) : '';
  return MONTH.test(month) ? month : undefined;
}

/** The distinct UTC months (`YYYY-MM`) of the records' timestamps, in order of first appearance. */
export function usageMonths(records: readonly Pick<UsageRecordData, 'timestamp'>[]): string[] {
  return [...new Set(records.map((r) => monthOf(r.timestamp)))];
}

/**
 * An instant whose UTC month is its first seven characters: in UTC, with fields no parser carries into the next
 * month (day 28 at most, 23:59:59 at most; a fraction of a second is truncated, never rounded up).
 */
const IN_ITS_UTC_MONTH = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])[Tt](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?[Zz]$/;

/**
 * `YYYY-MM` of an RFC 3339 instant, in UTC (an offset may move it across a month's edge). Twice per recorded event:
 * most instants are read off their text, the others (an offset, the month's last days) parsed as dates.
 */
export function monthOf(instant: string): string {
  return IN_ITS_UTC_MONTH.test(instant) ? instant.slice(0, 7) : new Date(instant).toISOString().slice(0, 7);
}

/** Finds the data keys of a project's months; a month whose key was destroyed (or never made) is absent. */
export interface UsageLedgerKeySource {
  keys(organizationId: string, projectId: string, months: readonly string[]): Promise<ReadonlyMap<string, Buffer>>;
}

/**
 * Which key sealed a group: 72 bits of SHA-256 over the key (nothing to learn about a random 256-bit key). A month's
 * key destroyed by retention and made again for late usage is another key: a group sealed under the old one reads
 * as expired, where a group its own key cannot open is damage.
 */
export function usageLedgerKeyId(key: Buffer): string {
  return createHash('sha256').update('llmlab usage ledger key\n').update(key).digest('base64url').slice(0, 12);
}

/** What a group's ciphertext is bound to: its place, and (since issue 15) its encoding. */
function boundTo(organizationId: string, projectId: string, month: string, encoding?: 'deflate'): string {
  return `${usageLedgerKeySubject(organizationId, projectId, month)}:records${encoding ? `:${encoding}` : ''}`;
}

/**
 * Compressed before it is sealed (compression after encryption gains nothing): a batch's records are repetitive
 * JSON (the same field names, models and tags on every line), so the ledger event, its copy in JetStream and
 * everything that hashes, stores, relays or reads it shrink several times over (docs/benchmarks.md, issue 15).
 * Level 1: nearly all of the gain for a fraction of the CPU. Each group holds one tenant's records only, so its
 * length tells nothing about another tenant's data.
 */
const DEFLATE_LEVEL = 1;

/** The records grouped by month, each group sealed under its month's key (which `keys` must hold). */
export function sealUsageRecords(
  organizationId: string,
  projectId: string,
  records: readonly UsageRecordData[],
  keys: ReadonlyMap<string, Buffer>,
): SealedUsageRecords[] {
  const groups = new Map<string, UsageRecordData[]>();
  for (const record of records) {
    const month = monthOf(record.timestamp);
    const group = groups.get(month);
    if (group) group.push(record);
    else groups.set(month, [record]);
  }
  return [...groups].map(([month, group]) => {
    const key = keys.get(month);
    if (!key) throw new Error(`no data key for the usage of ${projectId} in ${month}`);
    const encoding = 'deflate' as const;
    return {
      month,
      count: group.length,
      keyId: usageLedgerKeyId(key),
      encoding,
      ciphertext: sealText(
        key,
        deflateRawSync(JSON.stringify(group), { level: DEFLATE_LEVEL }),
        boundTo(organizationId, projectId, month, encoding),
      ),
    };
  });
}

/** What a ledger event's records read as: the readable ones, and how many are past retention (their key destroyed). */
export interface OpenedUsageRecords {
  readonly records: UsageRecordData[];
  /** Records whose month's key was destroyed: past retention, unreadable. */
  readonly expired: number;
}

/**
 * A `UsageRecorded` event's records: in clear (ledgers written before sealing) or opened with their months' keys,
 * groups in the order they were sealed. A group whose key is gone counts as expired; a group its own key cannot open
 * (altered bytes, moved to another place) throws, since that is damage, not retention.
 */
export async function openUsageRecords(data: UsageRecordedData, source: UsageLedgerKeySource): Promise<OpenedUsageRecords> {
  const sealed = data.sealed ?? [];
  if (sealed.length === 0) return { records: [...data.records], expired: 0 };
  const keys = await source.keys(
    data.organizationId,
    data.projectId,
    sealed.map((g) => g.month),
  );
  const records: UsageRecordData[] = [...data.records];
  let expired = 0;
  for (const group of sealed) {
    const key = keys.get(group.month);
    // No key, or the month's key made again after retention destroyed the one that sealed the group.
    if (!key || (group.keyId !== undefined && group.keyId !== usageLedgerKeyId(key))) {
      expired += group.count;
      continue;
    }
    const bound = boundTo(data.organizationId, data.projectId, group.month, group.encoding);
    const plaintext =
      group.encoding === 'deflate'
        ? inflateRawSync(open(key, Buffer.from(group.ciphertext, 'base64url'), bound)).toString('utf8')
        : openText(key, group.ciphertext, bound);
    records.push(...(JSON.parse(plaintext) as UsageRecordData[]));
  }
  return { records, expired };
}

/** How many records a `UsageRecorded` event holds, readable or not. */
export function usageRecordCount(data: UsageRecordedData): number {
  return data.records.length + (data.sealed ?? []).reduce((sum, g) => sum + g.count, 0);
}

/** The records a projection counts: a batch that repeats an id counts its first occurrence, as a later batch would. */
export function firstOfEachId(records: readonly UsageRecordData[]): UsageRecordData[] {
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.id) && seen.add(r.id));
}
