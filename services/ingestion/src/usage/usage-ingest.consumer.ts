import { Inject, Injectable } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import { INGEST_USAGE_DEAD_LETTER_SUBJECT, INGEST_USAGE_SUBJECT } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, SERVICE_CONFIG, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import type { IngestionConfig } from '../ingestion.config';
import { UsageRecordingHandler } from './usage-recording.handler';

const INGEST_CONSUMER = 'ingestion-usage';

/**
 * The durable pull consumer on `INGEST`: replicas share it, each records INGEST_CONCURRENCY batches at once and
 * acknowledges one after its append; a batch that keeps failing goes to `dlq.ingestion-usage`, and so does, alone,
 * an event of a batch that cannot be stored (the handler isolates it: its batch is stored without it).
 */
@Injectable()
export class UsageIngestConsumer implements BackgroundWorker {
  readonly name = 'usage ingest';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    private readonly recording: UsageRecordingHandler,
  ) {}

  async start(): Promise<void> {
    const topology = this.runtime.streams;
    this.handle = await runConsumer({
      js: jetstream(this.runtime.nats),
      stream: topology.ingest.name,
      durable: INGEST_CONSUMER,
      filterSubject: topology.subject(INGEST_USAGE_SUBJECT),
      concurrency: this.config.INGEST_CONCURRENCY,
      // Enough messages in flight to keep every replica's slots busy, few enough that a crash redelivers little.
      maxAckPending: this.config.INGEST_CONCURRENCY * 8,
      maxDeliver: this.config.INGEST_MAX_DELIVER,
      backoffMs: [1_000, 5_000, 30_000],
      ackWaitMs: this.config.CONSUMER_ACK_WAIT_MS,
      deadLetterSubject: topology.subject(INGEST_USAGE_DEAD_LETTER_SUBJECT),
      handler: (msg) => this.recording.record(msg.json(), { stream: msg.info.stream, sequence: msg.info.streamSequence }),
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
