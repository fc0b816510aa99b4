import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runProjection, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { TrafficProjection } from './traffic.projection';

/**
 * Feeds the service's own traffic read model from the ingestion events (`events.ingestion.>`), strictly in order
 * across replicas (one message in flight), each applied with its checkpoint in one transaction.
 */
@Injectable()
export class TrafficWorker implements BackgroundWorker {
  readonly name = 'recommendations-traffic consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: TrafficProjection,
  ) {}

  async start(): Promise<void> {
    this.handle = await runProjection(this.runtime, 'recommendations-traffic', 'events.ingestion.>', async (event) => {
      await this.projection.apply(event);
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
