import { Inject, Injectable } from '@nestjs/common';
import { jetstream, JetStreamApiError } from '@nats-io/jetstream';
import type { RecordedEvent } from '@llmlab/contracts';
import { runOrderedProjection, type ConsumerHandle } from '@llmlab/messaging';
import { PG_POOL, RUNTIME, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { IngestionProjection, PROJECTION } from './ingestion.projection';

/** The durable consumer earlier releases fed the projection with, one message in flight; removed at start. */
const FORMER_CONSUMER = 'ingestion-projection';

/**
 * Feeds the ingestion read models from the `events.ingestion.>` events: one active replica (elected with an
 * advisory lock) reads them in order with an ordered consumer and applies up to 32 at a time in one transaction
 * with the checkpoint (libs/messaging's `runOrderedProjection`). An event that fails alone ten times goes to
 * `dlq.ingestion-projection`.
 */
@Injectable()
export class ReadModelsWorker implements BackgroundWorker {
  readonly name = 'usage projection';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly projection: IngestionProjection,
  ) {}

  async start(): Promise<void> {
    const topology = this.runtime.streams;
    const js = jetstream(this.runtime.nats);
    await this.removeFormerConsumer(topology.events.name);
    this.handle = await runOrderedProjection<RecordedEvent>({
      js,
      pool: this.pool,
      ref: PROJECTION,
      stream: topology.events.name,
      filterSubject: topology.subject('events.ingestion.>'),
      apply: (tx, events) => this.projection.applyRun(tx, events),
      deadLetterSubject: topology.subject(`dlq.${FORMER_CONSUMER}`),
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }

  /** Its checkpoint is the same row: nothing is replayed or skipped by leaving it. */
  private async removeFormerConsumer(stream: string): Promise<void> {
    const jsm = await jetstream(this.runtime.nats).jetstreamManager();
    await jsm.consumers.delete(stream, FORMER_CONSUMER).catch((err: unknown) => {
      if (!(err instanceof JetStreamApiError)) throw err;
    });
  }
}
