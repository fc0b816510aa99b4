import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ProjectionRef } from './apply-in-transaction';

const POLL_MS = 10;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Waits until the projection has applied the event at `position`, so the reply and the caller's next request read
 * what the command wrote. Bounded: after `timeoutMs` it resolves false and the caller answers anyway; the write
 * itself is committed.
 */
export async function waitForProjection(pool: Pool, ref: ProjectionRef, position: number | undefined, timeoutMs: number): Promise<boolean> {
  if (position === undefined) return true;
  if (!IDENTIFIER.test(ref.schema)) throw new Error(`invalid schema name ${JSON.stringify(ref.schema)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ position: string }>(
      `SELECT position FROM "${ref.schema}".projection_checkpoints WHERE projection = $1`,
      [ref.projection],
    );
    if (rows.length && Number(rows[0].position) >= position) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * What every command does once its events are appended: wait (bounded) until the service's read models have them,
 * so the reply and the caller's next request read what was written, then run the service's after-write step
 * (e.g. dropping the cache entries the events made stale) with those events.
 */
export class WriteEffects<TEvent = unknown> {
  constructor(
    private readonly pool: Pool,
    private readonly projection: ProjectionRef,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly afterSettle?: (events: readonly TEvent[]) => Promise<void>,
  ) {}

  async settle(position: number | undefined, events: readonly TEvent[] = []): Promise<void> {
    if (position === undefined) return;
    if (!(await waitForProjection(this.pool, this.projection, position, this.timeoutMs))) {
      this.logger.warn({ position, timeoutMs: this.timeoutMs }, 'read models lag behind: answering before they caught up');
    }
    await this.afterSettle?.(events);
  }
}
