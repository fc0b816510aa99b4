import { Inject, Injectable } from '@nestjs/common';
import { trustedProjectScope } from '@llmlab/domain';
import { LOGGER, PG_POOL, SERVICE_CONFIG, type BackgroundWorker } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { RecommendationsConfig } from '../recommendations.config';
import { TrafficRepository } from '../traffic/traffic.repository';
import { RecommendationEvaluator } from './recommendation.evaluator';

const DAY_MS = 86_400_000;

/**
 * The periodic evaluation (hourly by default): every project with traffic in the window, or with an open
 * recommendation to resolve, on one replica at a time (a transaction-scoped advisory lock; evaluating twice would
 * only find nothing left to do). A project that fails is logged and looked at again next time.
 */
@Injectable()
export class EvaluationScheduler implements BackgroundWorker {
  readonly name = 'recommendation evaluation';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly evaluator: RecommendationEvaluator,
    private readonly traffic: TrafficRepository,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: RecommendationsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.tick(), this.config.RECOMMENDATIONS_EVALUATION_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One evaluation of every active project, unless one is running here or on another replica. */
  tick(now = new Date()): Promise<void> {
    this.running ??= this.exclusively(() => this.evaluateAll(now)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async evaluateAll(now: Date): Promise<void> {
    const from = new Date(now.getTime() - this.config.RECOMMENDATIONS_WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10);
    for (const project of await this.traffic.activeProjects(from)) {
      try {
        await this.evaluator.evaluate(trustedProjectScope(project.organizationId, project.projectId), now);
      } catch (err) {
        this.logger.error({ err, ...project }, 'recommendation evaluation failed; the next round retries');
      }
    }
  }

  private async exclusively(work: () => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_xact_lock(hashtextextended('recommendations-evaluation', 0)) AS locked`,
      );
      if (rows[0].locked) await work();
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      this.logger.error({ err }, 'recommendation evaluation round failed');
    } finally {
      client.release(broken);
    }
  }
}
