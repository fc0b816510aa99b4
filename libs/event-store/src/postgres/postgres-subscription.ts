import type { RecordedEvent } from '@llmlab/contracts';
import type { Pool, PoolClient } from 'pg';
import type { EventSubscription, SubscribeToAllOptions } from '../event-store';
import { EVENT_STORE_NOTIFY_CHANNEL, type EventRow, eventColumns, toRecordedEvent } from './postgres-rows';

export interface PostgresSubscriptionSettings {
  batchSize: number;
  /** A page ends at the first event that brings its stored data to this size (it always holds one event). */
  maxPageBytes: number;
  pollIntervalMs: number;
}

interface Page {
  /** Highest position scanned, filtered out or not; undefined when nothing lies past the cursor. */
  upTo: number | undefined;
  events: RecordedEvent[];
}

// The scan bound is taken over all events, then the filter applies inside it: a subscriber whose filter matches
// rarely still moves its cursor a full page at a time instead of rescanning what it already skipped. The bound also
// stops at $5 bytes of stored data (pg_column_size reads the stored, possibly compressed, size without
// detoasting): 500 ledger events of 500 usage records are tens of megabytes, which one query would read, send and
// parse at once while the events after them wait.
const PAGE_SQL = `
  WITH scanned AS (
    SELECT position, sum(pg_column_size(data)) OVER (ORDER BY position) AS bytes FROM (
      SELECT position, data FROM event_store.events WHERE position > $1 ORDER BY position LIMIT $2
    ) page
  ), bound AS (
    SELECT coalesce(min(position) FILTER (WHERE bytes >= $5), max(position)) AS up_to FROM scanned
  )
  SELECT bound.up_to, ${eventColumns('e')}
  FROM bound
  LEFT JOIN event_store.events e
    ON e.position > $1 AND e.position <= bound.up_to
   AND ($3::text[] IS NULL
        OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS p(prefix) WHERE starts_with(e.stream_id, p.prefix)))
   AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
  ORDER BY e.position`;

/** The event columns are null on the single row that only carries the bound (nothing matched the filter). */
type PageRow = Omit<EventRow, 'position'> & { position: string | null; up_to: string | null };

/**
 * Catch-up subscription over one dedicated connection: reads pages by position until nothing is left, then sleeps
 * until a NOTIFY or the poll timer, whichever comes first (a notification can be missed, a poll cannot).
 * Appends become visible in position order (see the migration's lock), so reading by position never skips.
 */
export class PostgresSubscription implements EventSubscription {
  private stopped = false;
  private notified = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly iterator: AsyncGenerator<RecordedEvent, void>;

  constructor(
    private readonly pool: Pool,
    private readonly options: SubscribeToAllOptions,
    private readonly settings: PostgresSubscriptionSettings,
    private readonly onEnd: (subscription: PostgresSubscription) => void,
  ) {
    this.iterator = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.iterator;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    // Closes the generator: runs its cleanup if it is paused at a yield, waits for it if it is reading.
    await this.iterator.return(undefined);
    this.onEnd(this);
  }

  private async *run(): AsyncGenerator<RecordedEvent, void> {
    const client = await this.pool.connect();
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    client.on('error', (err: Error) => {
      this.failure = err;
      this.wake?.();
    });
    try {
      await client.query(`LISTEN ${EVENT_STORE_NOTIFY_CHANNEL}`);
      let cursor = this.options.fromPosition ?? 0;
      while (!this.stopped) {
        this.notified = false;
        const page = await this.readPage(client, cursor);
        if (page.upTo === undefined) {
          await this.idle();
          if (this.failure) throw this.failure;
          continue;
        }
        for (const event of page.events) {
          if (this.stopped) return;
          yield event;
        }
        cursor = page.upTo;
      }
    } finally {
      // Destroyed rather than returned to the pool: it is still LISTENing.
      client.release(true);
      this.onEnd(this);
    }
  }

  private async readPage(client: PoolClient, cursor: number): Promise<Page> {
    const filter = this.options.filter ?? {};
    const prefixes = filter.streamPrefixes?.length ? filter.streamPrefixes : null;
    const types = filter.eventTypes?.length ? filter.eventTypes : null;
    const { rows } = await client.query<PageRow>(PAGE_SQL, [cursor, this.settings.batchSize, prefixes, types, this.settings.maxPageBytes]);
    const upTo = rows[0]?.up_to;
    if (upTo === null || upTo === undefined) return { upTo: undefined, events: [] };
    const events = rows.filter((r): r is PageRow & EventRow => r.position !== null).map(toRecordedEvent);
    return { upTo: Number(upTo), events };
  }

  private idle(): Promise<void> {
    if (this.notified || this.stopped || this.failure) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.settings.pollIntervalMs);
      this.wake = done;
    });
  }
}
