import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { BackgroundWorker } from '@llmlab/service-kit';
import type { UsagePartitions } from './usage-partitions';

export interface UsageMaintenanceOptions {
  dedupWindowDays: number;
  monthsAhead: number;
  intervalMs: number;
  /** Captured span content, purged here once past its retention (docs/traces.md, "Content capture"). */
  contents: { purgeExpired(now: Date): Promise<number> };
  /** Usage detail past each organization's retention, dropped here (docs/security.md, "Retention of usage detail"). */
  retention: { run(now: Date): Promise<unknown> };
}

/** Claims deleted per statement: short transactions, so pruning never holds up the projection for long. */
const PRUNE_BATCH = 10_000;

/** The claims that deduplicate usage: by event id, and by (trace, span) for the same model call under two ids. */
const CLAIM_TABLES = ['usage_event_claims', 'usage_span_claims'] as const;

/**
 * The schedule that keeps usage storage in shape: monthly partitions created ahead of the data, event-id and
 * span claims older than the dedup window deleted, captured text and usage detail past their retention dropped. It runs once when it starts (before the consumers, so the months
 * around now exist), then every `intervalMs`. Running it on several replicas at once is harmless.
 */
export class UsageMaintenance implements BackgroundWorker {
  readonly name = 'usage maintenance';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly partitions: UsagePartitions,
    private readonly logger: Logger,
    private readonly options: UsageMaintenanceOptions,
  ) {}

  async start(): Promise<void> {
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private runOnce(now = new Date()): Promise<void> {
    this.running ??= this.work(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async work(now: Date): Promise<void> {
    try {
      // Two months back: events may be 35 days old, and the previous month must exist when it is still written to.
      await this.partitions.ensureAround(this.pool, now, 2, this.options.monthsAhead);
      const pruned = await this.pruneClaims(now);
      if (pruned > 0) this.logger.info({ pruned }, 'expired usage claims deleted');
      const purged = await this.options.contents.purgeExpired(now);
      if (purged > 0) this.logger.info({ purged }, 'captured span content past its retention deleted');
      await this.options.retention.run(now);
    } catch (err) {
      this.logger.error({ err }, 'usage maintenance failed; next run retries');
    }
  }

  /**
   * Deletes claims older than the window: no copy of those events, nor a second record of those spans, can be
   * accepted any more (docs/ingestion.md, docs/traces.md).
   */
  async pruneClaims(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.dedupWindowDays * 86_400_000);
    let total = 0;
    for (const table of CLAIM_TABLES) {
      for (;;) {
        const { rowCount } = await this.pool.query(
          `DELETE FROM ingestion.${table} WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM ingestion.${table} WHERE claimed_at < $1 LIMIT ${PRUNE_BATCH}))`,
          [cutoff],
        );
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < PRUNE_BATCH) break;
      }
    }
    return total;
  }
}
