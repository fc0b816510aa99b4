import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runProjection, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { ProviderSyncProjection } from './provider-sync.projection';

/**
 * Feeds the provider-sync read models from the service's own events (`events.provider-sync.>`), strictly in order
 * across replicas (one message in flight), each applied with its checkpoint in one transaction.
 */
@Injectable()
export class ReadModelsWorker implements BackgroundWorker {
  readonly name = 'provider-sync-read-models consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: ProviderSyncProjection,
  ) {}

  async start(): Promise<void> {
    this.handle = await runProjection(this.runtime, 'provider-sync-read-models', 'events.provider-sync.>', async (event) => {
      await this.projection.apply(event);
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
