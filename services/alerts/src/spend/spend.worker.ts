import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, type BackgroundWorker, type ServiceRuntime, runEventConsumer } from '@llmlab/service-kit';
import { EvaluationScheduler } from '../evaluation/evaluation.scheduler';
import { SpendProjection } from './spend.projection';

/**
 * Feeds the service's own spend aggregates from the ingestion events (`events.ingestion.>`), and has every
 * organization whose usage counted evaluated soon after.
 */
@Injectable()
export class SpendWorker implements BackgroundWorker {
  readonly name = 'alerts-spend consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: SpendProjection,
    private readonly scheduler: EvaluationScheduler,
  ) {}

  async start(): Promise<void> {
    this.handle = await runEventConsumer(this.runtime, 'alerts-spend', 'events.ingestion.>', async (event) => {
      const change = await this.projection.apply(event);
      if (change && change.counted > 0) this.scheduler.markDirty(change.organizationId);
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
