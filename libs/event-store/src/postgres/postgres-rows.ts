import type { EventMetadata, RecordedEvent } from '@llmlab/contracts';

/** `prev_hash` of position 1: the chain starts from 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Channel notified (payload: last position appended) when an append commits. */
export const EVENT_STORE_NOTIFY_CHANNEL = 'event_store_appended';

const COLUMNS = ['position', 'stream_id', 'revision', 'event_id', 'type', 'version', 'data', 'metadata', 'recorded_at', 'hash'];

/** The select list of an {@link EventRow}, optionally qualified by a table alias. */
export function eventColumns(alias?: string): string {
  return COLUMNS.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');
}

/** A row of `event_store.events` as `pg` returns it: bigint as string, timestamptz as Date, jsonb parsed. */
export interface EventRow {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  version: number;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
  hash: string;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    version: row.version,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: Number(row.position),
    recordedAt: row.recorded_at.toISOString(),
    hash: row.hash,
  };
}
