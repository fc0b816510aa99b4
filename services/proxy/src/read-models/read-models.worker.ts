import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runProjection, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { ProxyProjection } from './proxy.projection';

/**
 * Feeds the proxy's read models from the service's own events (`events.proxy.>`), strictly in order across
 * replicas (one message in flight), each applied with its checkpoint in one transaction.
 */
@Injectable()
export class ReadModelsWorker implements BackgroundWorker {
  readonly name = 'proxy-read-models consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: ProxyProjection,
  ) {}

  async start(): Promise<void> {
    this.handle = await runProjection(this.runtime, 'proxy-read-models', 'events.proxy.>', async (event) => {
      await this.projection.apply(event);
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
