import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runProjection, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { RecommendationProjection } from './recommendation.projection';

/** Feeds the recommendations read model from the service's own events, in order across replicas. */
@Injectable()
export class RecommendationWorker implements BackgroundWorker {
  readonly name = 'recommendations-read-models consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: RecommendationProjection,
  ) {}

  async start(): Promise<void> {
    this.handle = await runProjection(this.runtime, 'recommendations-read-models', 'events.recommendations.>', (event) =>
      this.projection.apply(event),
    );
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
