import type { NewEvent, RecordedEvent } from '@llmlab/contracts';
import type { Pool } from 'pg';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeToAllOptions,
} from '../event-store';
import { assertNonNegativeInteger, assertStreamName, checkExpectedRevision, checkReplay, prepareAppend } from '../event-store.rules';
import { type EventRow, GENESIS_HASH, eventColumns, toRecordedEvent } from './postgres-rows';
import { PostgresSubscription } from './postgres-subscription';

export interface PostgresEventStoreOptions {
  /** Whether `close()` ends the pool: true when the store created it. */
  ownsPool?: boolean;
  /** Positions scanned per query by a subscription. */
  subscriptionBatchSize?: number;
  /** Stored bytes of event data a subscription reads per query at most (default 4 MiB; one event always fits). */
  subscriptionPageBytes?: number;
  /** How long an idle subscription waits for a notification before it looks anyway. */
  pollIntervalMs?: number;
}

export interface VerifyOptions {
  /** Exclusive: the row at this position is trusted (e.g. verified earlier) and the check starts after it. */
  fromPosition?: number;
  batchSize?: number;
}

export type VerifyFailureReason =
  /** A position is missing: rows were deleted (or inserted) behind the triggers' back. */
  | 'position_gap'
  /** The row does not point at the hash of the row before it. */
  | 'prev_hash_mismatch'
  /** The stored hash is not the hash of the row's contents. */
  | 'hash_mismatch';

export type VerifyResult =
  | { ok: true; checked: number; lastPosition: number; lastHash: string }
  | { ok: false; firstBadPosition: number; reason: VerifyFailureReason; checked: number };

interface AppendRow {
  written: boolean;
  head_revision: string | null;
  last_position: string | null;
  event_id: string | null;
  stream_id: string | null;
  revision: string | null;
  event_position: string | null;
}

// One call, one round trip, committed as it ends (see the migration): the append lock is held for the server's own
// work only. It inserts when no id is recorded yet and the head satisfies the expected revision; otherwise it
// returns the head and the rows already holding one of the ids, which the rules below turn into a replay or an error.
const APPEND_SQL = `
  SELECT written, head_revision, last_position, event_id, stream_id, revision, event_position
  FROM event_store.append_events($1, $2, $3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[])`;

const VERIFY_SQL = `
  SELECT position, prev_hash, hash, event_store.event_hash(e) AS computed
  FROM event_store.events e WHERE position > $1 ORDER BY position LIMIT $2`;

/**
 * The default event store: `event_store.events` in PostgreSQL. Ordering, hash chain and immutability live in the
 * database (see the migration); this class checks expected revisions and idempotency under the same lock.
 */
export class PostgresEventStore implements EventStore {
  private readonly subscriptions = new Set<PostgresSubscription>();

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions = {},
  ) {}

  async appendToStream(stream: string, events: NewEvent[], { expectedRevision }: AppendOptions): Promise<AppendResult> {
    const prepared = prepareAppend(stream, events, expectedRevision);
    const ids = prepared.map((e) => e.id);
    // Not in a transaction of our own: the statement commits as it ends, releasing the append lock with it.
    const { rows } = await this.pool.query<AppendRow>(APPEND_SQL, [
      stream,
      String(expectedRevision),
      ids,
      prepared.map((e) => e.type),
      prepared.map((e) => e.version),
      prepared.map((e) => JSON.stringify(e.data)),
      prepared.map((e) => JSON.stringify(e.metadata)),
    ]);
    const head = rows[0].head_revision === null ? undefined : Number(rows[0].head_revision);
    if (rows[0].written) return { nextExpectedRevision: head!, lastPosition: Number(rows[0].last_position), written: true };
    const recorded = rows
      .filter((r) => r.event_id !== null)
      .map((r) => ({
        id: r.event_id as string,
        streamId: r.stream_id as string,
        revision: Number(r.revision),
        position: Number(r.event_position),
      }));
    const replay = checkReplay(stream, ids, recorded);
    if (replay.kind === 'replay') {
      return { nextExpectedRevision: replay.lastRevision, lastPosition: replay.lastPosition, written: false };
    }
    checkExpectedRevision(stream, expectedRevision, head);
    // The function refuses only a recorded id or an unmet expected revision, and the rules above throw for both.
    throw new Error(`append to ${stream} neither written nor refused by the rules`);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    assertStreamName(stream);
    assertNonNegativeInteger('fromRevision', options.fromRevision);
    assertNonNegativeInteger('maxCount', options.maxCount);
    const backwards = options.direction === 'backwards';
    const sql = backwards
      ? `SELECT ${eventColumns()} FROM event_store.events
         WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`
      : `SELECT ${eventColumns()} FROM event_store.events
         WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`;
    const from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    const { rows } = await this.pool.query<EventRow>(sql, [stream, from, options.maxCount ?? null]);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    assertNonNegativeInteger('fromPosition', options.fromPosition);
    assertNonNegativeInteger('maxCount', options.maxCount);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${eventColumns()} FROM event_store.events WHERE position > $1 ORDER BY position LIMIT $2`,
      [options.fromPosition ?? 0, options.maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    assertNonNegativeInteger('fromPosition', options.fromPosition);
    const subscription = new PostgresSubscription(
      this.pool,
      options,
      {
        batchSize: this.options.subscriptionBatchSize ?? 500,
        maxPageBytes: this.options.subscriptionPageBytes ?? 4 * 1024 * 1024,
        pollIntervalMs: this.options.pollIntervalMs ?? 500,
      },
      (s) => this.subscriptions.delete(s),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Recomputes the hash chain in batches (constant memory) and reports the first position that breaks it.
   * It proves the rows were not changed after the fact; it cannot see rows cut off the end of the log, so compare
   * `lastPosition`/`lastHash` with a copy kept elsewhere (the audit service anchors them).
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const fromPosition = options.fromPosition ?? 0;
    const batchSize = options.batchSize ?? 1000;
    assertNonNegativeInteger('fromPosition', fromPosition);
    assertNonNegativeInteger('batchSize', batchSize);
    if (batchSize === 0) throw new RangeError('batchSize must be at least 1');

    let previousHash = GENESIS_HASH;
    if (fromPosition > 0) {
      const anchor = await this.pool.query<{ hash: string }>('SELECT hash FROM event_store.events WHERE position = $1', [fromPosition]);
      if (anchor.rows.length === 0) {
        return { ok: false, firstBadPosition: fromPosition, reason: 'position_gap', checked: 0 };
      }
      previousHash = anchor.rows[0].hash;
    }
    let lastPosition = fromPosition;
    let checked = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ position: string; prev_hash: string; hash: string; computed: string }>(VERIFY_SQL, [
        lastPosition,
        batchSize,
      ]);
      for (const row of rows) {
        const position = Number(row.position);
        const reason: VerifyFailureReason | undefined =
          position !== lastPosition + 1
            ? 'position_gap'
            : row.prev_hash !== previousHash
              ? 'prev_hash_mismatch'
              : row.hash !== row.computed
                ? 'hash_mismatch'
                : undefined;
        if (reason) {
          const firstBadPosition = reason === 'position_gap' ? lastPosition + 1 : position;
          return { ok: false, firstBadPosition, reason, checked };
        }
        previousHash = row.hash;
        lastPosition = position;
        checked += 1;
      }
      if (rows.length < batchSize) return { ok: true, checked, lastPosition, lastHash: previousHash };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    if (this.options.ownsPool) await this.pool.end();
  }
}
