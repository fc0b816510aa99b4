import { ingestionStreams, INGEST_USAGE_SUBJECT, type EventMetadata } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { runConsumer, type ConsumerHandle, type StreamTopology } from '@llmlab/messaging';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { PriceBook } from '../price-catalog/price-book';
import { decideRecordUsage, parseUsageBatch } from './usage-recording.decider';

const INGEST_CONSUMER = 'ingestion-usage';

export interface UsageIngestOptions {
  js: JetStreamClient;
  topology: StreamTopology;
  store: EventStore;
  priceBook: PriceBook;
  concurrency: number;
  maxDeliver: number;
  ackWaitMs: number;
}

/**
 * Records one accepted batch: read it, price it with the organization's prices, append its `UsageRecorded`
 * events to the project's ledger. Acknowledged only after the append (the consumer loop does that), and
 * idempotent, since a redelivered batch yields the same event ids.
 */
export async function recordUsageBatch(msg: Pick<JsMsg, 'json'>, store: EventStore, priceBook: PriceBook): Promise<void> {
  const batch = parseUsageBatch(msg.json());
  const pricing = await priceBook.snapshot(batch.organizationId);
  const events = decideRecordUsage({ type: 'RecordUsage', batch, pricing });
  const metadata: EventMetadata = {
    actor: { type: 'api_key', id: batch.apiKeyId },
    organizationId: batch.organizationId,
    projectId: batch.projectId,
    correlationId: batch.correlationId ?? batch.batchId,
    causationId: batch.batchId,
  };
  await store.appendToStream(
    ingestionStreams.usage(batch.projectId),
    events.map((event) => ({ ...event, metadata })),
    { expectedRevision: 'any' },
  );
}

/** The durable pull consumer on `INGEST`: replicas share it, a batch that keeps failing goes to `dlq.ingestion-usage`. */
export function startUsageIngest(options: UsageIngestOptions): Promise<ConsumerHandle> {
  const { topology } = options;
  return runConsumer({
    js: options.js,
    stream: topology.ingest.name,
    durable: INGEST_CONSUMER,
    filterSubject: topology.subject(INGEST_USAGE_SUBJECT),
    concurrency: options.concurrency,
    // Enough messages in flight to keep every replica's slots busy, few enough that a crash redelivers little.
    maxAckPending: options.concurrency * 8,
    maxDeliver: options.maxDeliver,
    backoffMs: [1_000, 5_000, 30_000],
    ackWaitMs: options.ackWaitMs,
    deadLetterSubject: topology.subject(`dlq.${INGEST_CONSUMER}`),
    handler: (msg) => recordUsageBatch(msg, options.store, options.priceBook),
  });
}
