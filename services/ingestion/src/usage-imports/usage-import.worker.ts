import { Inject, Injectable } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { ingestionStreams, type RecordedEvent, type UsageImportQueuedData } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import { CommandRunner, LOGGER, RUNTIME, SERVICE_CONFIG, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import type { IngestionConfig } from '../ingestion.config';
import { usageImportDecider } from './usage-import.decider';
import { UsageImportObjects } from './usage-import.objects';
import { UsageImporter } from './usage-importer';

const IMPORT_CONSUMER = 'ingestion-usage-imports';

/**
 * Takes each queued import from `events.ingestion.UsageImportQueued` (a durable consumer replicas share) and runs
 * it to its end; the message is acknowledged only then. A process that dies mid-import stops extending the ack
 * wait, so the import is redelivered (here after a restart, or to another replica) and resumes from its checkpoint.
 * Stopping the service ends the import after the part in flight and leaves the message to be delivered again.
 */
@Injectable()
export class UsageImportWorker implements BackgroundWorker {
  readonly name = 'usage imports';
  private handle?: ConsumerHandle;
  private stopping = false;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly importer: UsageImporter,
    private readonly runner: CommandRunner,
    private readonly objects: UsageImportObjects,
  ) {}

  async start(): Promise<void> {
    const topology = this.runtime.streams;
    this.stopping = false;
    // The bucket exists before any upload is answered 202 (the gateway only opens it).
    await this.objects.store();
    this.handle = await runConsumer({
      js: jetstream(this.runtime.nats),
      stream: topology.events.name,
      durable: IMPORT_CONSUMER,
      filterSubject: topology.subject('events.ingestion.UsageImportQueued'),
      concurrency: this.config.USAGE_IMPORT_CONCURRENCY,
      maxAckPending: this.config.USAGE_IMPORT_CONCURRENCY * 2,
      // Every stop and crash mid-import is a delivery too: enough of them that only a failing import runs out.
      maxDeliver: 20,
      backoffMs: [1_000, 5_000, 30_000],
      ackWaitMs: this.config.CONSUMER_ACK_WAIT_MS,
      deadLetterSubject: topology.subject(`dlq.${IMPORT_CONSUMER}`),
      beforeDeadLetter: (msg, reason) => this.giveUp(msg.json<RecordedEvent<'UsageImportQueued', UsageImportQueuedData>>(), reason),
      handler: async (msg) => {
        const { importId } = msg.json<RecordedEvent<'UsageImportQueued', UsageImportQueuedData>>().data;
        const outcome = await this.importer.run(importId, () => this.stopping);
        return outcome === 'stopped' ? { retryInMs: 0 } : undefined;
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.handle?.stop();
  }

  /** An import that kept failing is recorded as failed, so its progress says so rather than `running` forever. */
  private async giveUp(event: RecordedEvent<'UsageImportQueued', UsageImportQueuedData>, reason: string): Promise<void> {
    const { importId, organizationId, projectId } = event.data;
    this.logger.error({ importId, reason }, 'usage import given up');
    await this.runner.run(
      ingestionStreams.usageImport(importId),
      usageImportDecider,
      { type: 'FailImport', data: { reason: 'the import kept failing; upload the file again', at: new Date().toISOString() } },
      { metadata: { actor: { type: 'system', id: 'ingestion-importer' }, organizationId, projectId, correlationId: importId } },
    );
  }
}
