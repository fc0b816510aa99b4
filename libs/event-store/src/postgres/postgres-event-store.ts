import type { NewEvent, RecordedEvent } from '@llmlab/contracts';
import type { Pool, PoolClient } from 'pg';
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

interface LookupRow {
  head_revision: string | null;
  event_id: string | null;
  stream_id: string | null;
  revision: string | null;
  position: string | null;
}

// One row always (the head), joined with every row already holding one of the ids. Runs under the append lock,
// in a statement started after the lock was granted, so it sees every append committed before this one.
const LOOKUP_SQL = `
  SELECT head.revision AS head_revision, e.event_id, e.stream_id, e.revision, e.position
  FROM (SELECT max(revision) AS revision FROM event_store.events WHERE stream_id = $1) head
  LEFT JOIN event_store.events e ON e.event_id = ANY($2::uuid[])`;

// One statement for the batch; the trigger assigns positions, hashes and the time, in this order.
const INSERT_SQL = `
  WITH inserted AS (
    INSERT INTO event_store.events (stream_id, revision, event_id, type, version, data, metadata)
    SELECT $1, $2::bigint + e.ord - 1, e.id, e.type, e.version, e.data, e.metadata
    FROM unnest($3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[])
      WITH ORDINALITY AS e(id, type, version, data, metadata, ord)
    ORDER BY e.ord
    RETURNING position
  )
  SELECT max(position) AS last_position FROM inserted`;

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
    return this.inTransaction(async (client) => {
      await client.query('SELECT event_store.lock_appends()');
      const { rows } = await client.query<LookupRow>(LOOKUP_SQL, [stream, ids]);
      const head = rows[0].head_revision;
      const current = head === null ? undefined : Number(head);
      const recorded = rows
        .filter((r) => r.event_id !== null)
        .map((r) => ({
          id: r.event_id as string,
          streamId: r.stream_id as string,
          revision: Number(r.revision),
          position: Number(r.position),
        }));
      const replay = checkReplay(stream, ids, recorded);
      if (replay.kind === 'replay') {
        return { nextExpectedRevision: replay.lastRevision, lastPosition: replay.lastPosition, written: false };
      }
      checkExpectedRevision(stream, expectedRevision, current);
      const first = current === undefined ? 0 : current + 1;
      const inserted = await client.query<{ last_position: string }>(INSERT_SQL, [
        stream,
        first,
        ids,
        prepared.map((e) => e.type),
        prepared.map((e) => e.version),
        prepared.map((e) => JSON.stringify(e.data)),
        prepared.map((e) => JSON.stringify(e.metadata)),
      ]);
      return {
        nextExpectedRevision: first + prepared.length - 1,
        lastPosition: Number(inserted.rows[0].last_position),
        written: true,
      };
    });
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

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that cannot roll back is broken: it is destroyed instead of going back to the pool.
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: Error) => e,
      );
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
