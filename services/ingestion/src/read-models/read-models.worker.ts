import { Inject, Injectable } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import type { RecordedEvent } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, SERVICE_CONFIG, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import type { IngestionConfig } from '../ingestion.config';
import { IngestionProjection } from './ingestion.projection';

const PROJECTION_CONSUMER = 'ingestion-projection';

/**
 * Feeds the ingestion read models from the `events.ingestion.>` events, strictly in order across replicas (one
 * message in flight), each applied with its checkpoint in one transaction.
 */
@Injectable()
export class ReadModelsWorker implements BackgroundWorker {
  readonly name = 'usage projection';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    private readonly projection: IngestionProjection,
  ) {}

  async start(): Promise<void> {
    const topology = this.runtime.streams;
    this.handle = await runConsumer({
      js: jetstream(this.runtime.nats),
      stream: topology.events.name,
      durable: PROJECTION_CONSUMER,
      filterSubject: topology.subject('events.ingestion.>'),
      concurrency: 1,
      maxAckPending: 1,
      maxDeliver: 20,
      backoffMs: [500, 2_000, 10_000],
      ackWaitMs: this.config.CONSUMER_ACK_WAIT_MS,
      deadLetterSubject: topology.subject(`dlq.${PROJECTION_CONSUMER}`),
      handler: async (msg) => {
        await this.projection.apply(msg.json<RecordedEvent>());
      },
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
