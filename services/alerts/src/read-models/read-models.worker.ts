import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, type BackgroundWorker, type ServiceRuntime, runEventConsumer } from '@llmlab/service-kit';
import { DeliveryPublisher } from '../delivery/delivery.publisher';
import { AlertsProjection } from './alerts.projection';

/**
 * Feeds the read models of the service's own events (`events.alerts.>`: budgets, settings, channels, alerts,
 * deliveries), and publishes the delivery jobs of each fired alert once its rows are committed.
 */
@Injectable()
export class ReadModelsWorker implements BackgroundWorker {
  readonly name = 'alerts-read-models consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: AlertsProjection,
    private readonly publisher: DeliveryPublisher,
  ) {}

  async start(): Promise<void> {
    this.handle = await runEventConsumer(this.runtime, 'alerts-read-models', 'events.alerts.>', async (event) => {
      await this.projection.apply(event);
      // After the commit that created the deliveries, also when the apply was a redelivery: the outbox is idempotent.
      if (event.type === 'AlertFired') await this.publisher.publishForAlert((event.data as { alertId: string }).alertId);
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
