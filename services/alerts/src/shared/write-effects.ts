import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { waitForProjection } from './read-your-writes';

/**
 * What every command does once its events are appended: wait (bounded) until the read models have them, so the
 * reply and the caller's next request read what was written.
 */
export class WriteEffects {
  constructor(
    private readonly pool: Pool,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async settle(position: number | undefined): Promise<void> {
    if (!(await waitForProjection(this.pool, position, this.timeoutMs))) {
      this.logger.warn({ position, timeoutMs: this.timeoutMs }, 'read models lag behind: answering before they caught up');
    }
  }
}
