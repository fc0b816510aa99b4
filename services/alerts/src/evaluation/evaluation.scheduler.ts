import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { BackgroundWorker } from '@llmlab/service-kit';
import type { AlertRepository } from '../alerts/alert.repository';
import type { BudgetRepository } from '../budgets/budget.repository';
import type { DeliveryPublisher } from '../delivery/delivery.publisher';
import { pruneSpend, type SpendRetention } from '../spend/spend.maintenance';
import type { SpendRepository } from '../spend/spend.repository';
import type { EvaluationMode, RuleEvaluator } from './rule-evaluator';

export interface EvaluationSchedulerOptions {
  /** Applied usage waits this long, so a burst of batches for one organization is evaluated once. */
  debounceMs: number;
  /** The tick: forecasts, anomalies, resolutions, the delivery outbox, and a second look at everything. */
  intervalMs: number;
  retention: SpendRetention;
}

const HOUR_MS = 3_600_000;
/** Unpublished delivery rows younger than this still have their own publisher at work. */
const OUTBOX_GRACE_MS = 10_000;

/**
 * When rules are evaluated: for each organization whose usage was applied, within `debounceMs` (a second by
 * default), and for every organization with recent usage, budgets or open alerts on each tick (30 s by default),
 * on one replica at a time. Both keep usage-to-alert well inside the 60 s the issue asks for.
 */
export class EvaluationScheduler implements BackgroundWorker {
  readonly name = 'rule evaluation';
  private readonly dirty = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private flushing?: Promise<void>;
  private ticking?: Promise<boolean>;
  private lastPrune = 0;

  constructor(
    private readonly evaluator: RuleEvaluator,
    private readonly pool: Pool,
    /** Holds the tick's lock for its whole run, apart from the pool the tick works with (see `RuleEvaluatorDeps`). */
    private readonly lockPool: Pool,
    private readonly repositories: { budgets: BudgetRepository; alerts: AlertRepository; spend: SpendRepository },
    private readonly publisher: DeliveryPublisher,
    private readonly logger: Logger,
    private readonly options: EvaluationSchedulerOptions,
  ) {}

  async start(): Promise<void> {
    this.timers = [
      setInterval(() => void this.flush(), this.options.debounceMs),
      setInterval(() => void this.tick(), this.options.intervalMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([this.flushing, this.ticking]);
  }

  /** Usage of this organization was applied: evaluate it soon. */
  markDirty(organizationId: string): void {
    this.dirty.add(organizationId);
  }

  /** Evaluates the organizations marked dirty since the last flush (`usage` mode). */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      const organizations = [...this.dirty];
      this.dirty.clear();
      for (const organizationId of organizations) await this.evaluate(organizationId, 'usage');
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** One tick, unless one is running here or on another replica: resolves false then. */
  tick(now = new Date()): Promise<boolean> {
    if (this.ticking) return this.ticking.then(() => false);
    this.ticking = this.exclusively(() => this.tickWork(now)).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tickWork(now: Date): Promise<void> {
    const { budgets, alerts, spend } = this.repositories;
    const organizations = new Set([
      ...(await spend.activeOrganizations(new Date(now.getTime() - 2 * HOUR_MS), new Date(now.getTime() + HOUR_MS))),
      ...(await budgets.organizations()),
      ...(await alerts.organizationsWithOpenAlerts()),
    ]);
    for (const organizationId of organizations) await this.evaluate(organizationId, 'tick', now);
    try {
      const published = await this.publisher.sweep(OUTBOX_GRACE_MS);
      if (published > 0) this.logger.warn({ published }, 'published delivery jobs left behind');
    } catch (err) {
      this.logger.error({ err }, 'delivery outbox sweep failed; the next tick retries');
    }
    if (now.getTime() - this.lastPrune >= HOUR_MS) {
      this.lastPrune = now.getTime();
      try {
        const pruned = await pruneSpend(this.pool, this.options.retention, now);
        if (pruned > 0) this.logger.info({ pruned }, 'expired usage claims and aggregates deleted');
      } catch (err) {
        this.logger.error({ err }, 'pruning usage claims and aggregates failed; the next hour retries');
      }
    }
  }

  private async evaluate(organizationId: string, mode: EvaluationMode, now = new Date()): Promise<void> {
    try {
      await this.evaluator.evaluate(organizationId, now, mode);
    } catch (err) {
      // The next tick looks again: an outage delays alerts, it does not lose them.
      this.logger.error({ err, organizationId, mode }, 'rule evaluation failed');
    }
  }

  /**
   * Runs `work` holding a transaction-scoped advisory lock, if no other replica holds it. The lock only saves
   * duplicate work: firing stays once-only without it.
   */
  private async exclusively(work: () => Promise<void>): Promise<boolean> {
    // The interval does not wait for a tick's result: a connection refused (PostgreSQL restarting) must end as a
    // failed tick, not as an unhandled rejection that ends the process (found by `npm run chaos`).
    const client = await this.lockPool.connect().catch((err: unknown) => {
      this.logger.error({ err }, 'evaluation tick failed: no database connection');
    });
    if (!client) return false;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_xact_lock(hashtextextended('alerts-evaluation-tick', 0)) AS locked`,
      );
      if (rows[0].locked) await work();
      await client.query('COMMIT');
      return rows[0].locked;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      this.logger.error({ err }, 'evaluation tick failed');
      return false;
    } finally {
      client.release(broken);
    }
  }
}
