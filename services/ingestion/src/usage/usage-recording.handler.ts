import { Inject, Injectable } from '@nestjs/common';
import { ingestionStreams, type EventMetadata, type NewEvent, type UsageBatchAccepted, type UsageRecordedData } from '@llmlab/contracts';
import { trustedScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE } from '@llmlab/service-kit';
import { derivedEventId } from '../derived-event-id';
import { PriceBook } from '../price-catalog/price-book';
import type { PricingSnapshot } from './record-pricing';
import { parseUsageBatch, priceUsageBatch } from './usage-batch';

/**
 * Records one accepted batch: read it, price it with its organization's prices, append its `UsageRecorded` events
 * to the project's ledger. The ingest consumer acknowledges the message only after the append.
 *
 * Not a command-runner write: the ledger is not an aggregate deciding on its own state (it keeps every copy it is
 * sent; the projection counts each event id once), and reading a project's whole ledger per batch would cost more
 * the longer the project lives. Its parts are appended at any revision, so replicas recording batches of one
 * project never conflict, and idempotently by id: a redelivered batch derives the same ids and appends nothing.
 */
@Injectable()
export class UsageRecordingHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly priceBook: PriceBook,
  ) {}

  async record(message: unknown): Promise<void> {
    const batch = parseUsageBatch(message);
    // The organization the gateway resolved from the API key, as the batch carries it (a JetStream message has no context).
    const pricing = await this.priceBook.snapshot(trustedScope(batch.organizationId));
    await this.store.appendToStream(ingestionStreams.usage(batch.projectId), usageRecordedEvents(batch, pricing), {
      expectedRevision: 'any',
    });
  }
}

/** The batch's `UsageRecorded` events, their ids derived from the batch id and the part. */
export function usageRecordedEvents(batch: UsageBatchAccepted, pricing: PricingSnapshot): NewEvent<'UsageRecorded', UsageRecordedData>[] {
  const metadata: EventMetadata = {
    actor: { type: 'api_key', id: batch.apiKeyId },
    organizationId: batch.organizationId,
    projectId: batch.projectId,
    correlationId: batch.correlationId ?? batch.batchId,
    causationId: batch.batchId,
  };
  return priceUsageBatch(batch, pricing).map((data) => ({
    id: derivedEventId(batch.batchId, 'UsageRecorded', data.part),
    type: 'UsageRecorded',
    data,
    metadata,
  }));
}
