import { Inject, Injectable } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import { INGEST_SPANS_DEAD_LETTER_SUBJECT, INGEST_SPANS_SUBJECT } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, SERVICE_CONFIG, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import type { IngestionConfig } from '../ingestion.config';
import { SpanRecordingHandler } from './span-recording.handler';

const SPANS_CONSUMER = 'ingestion-spans';

/**
 * The durable pull consumer of spans on `INGEST`, set up as the usage one: replicas share it, each records
 * INGEST_CONCURRENCY batches at once and acknowledges one after its append (and its content's hand-over); a batch
 * that keeps failing, or breaks the contract, goes to `dlq.ingestion-spans`.
 */
@Injectable()
export class SpansIngestConsumer implements BackgroundWorker {
  readonly name = 'spans ingest';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    private readonly recording: SpanRecordingHandler,
  ) {}

  async start(): Promise<void> {
    const topology = this.runtime.streams;
    this.handle = await runConsumer({
      js: jetstream(this.runtime.nats),
      stream: topology.ingest.name,
      durable: SPANS_CONSUMER,
      filterSubject: topology.subject(INGEST_SPANS_SUBJECT),
      concurrency: this.config.INGEST_CONCURRENCY,
      maxAckPending: this.config.INGEST_CONCURRENCY * 8,
      maxDeliver: this.config.INGEST_MAX_DELIVER,
      backoffMs: [1_000, 5_000, 30_000],
      ackWaitMs: this.config.CONSUMER_ACK_WAIT_MS,
      deadLetterSubject: topology.subject(INGEST_SPANS_DEAD_LETTER_SUBJECT),
      handler: (msg) => this.recording.record(msg.json()),
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
