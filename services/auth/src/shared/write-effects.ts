import type { AuthEvent } from '@llmlab/contracts';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { CacheInvalidation } from '../access/cache-invalidation';
import { waitForProjection } from './read-your-writes';

/**
 * What every command does once its events are appended: wait (bounded) until the read models have them, so
 * the reply and the caller's next request read what was written, then drop the gateway cache entries they
 * made stale. The projection drops them too, after its own commit: whichever comes last wins, and a cache
 * refilled from a read model that was not yet up to date is dropped again.
 */
export class WriteEffects {
  constructor(
    private readonly pool: Pool,
    private readonly invalidation: CacheInvalidation,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async settle(position: number | undefined, events: AuthEvent[]): Promise<void> {
    if (position === undefined) return;
    if (!(await waitForProjection(this.pool, position, this.timeoutMs))) {
      this.logger.warn({ position, timeoutMs: this.timeoutMs }, 'read models lag behind: answering before they caught up');
    }
    const stale = (await Promise.all(events.map((e) => this.invalidation.staleKeys(this.pool, e)))).flat();
    await this.invalidation.drop(stale);
  }
}
