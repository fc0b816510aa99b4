import { Inject, Injectable } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import {
  INGEST_USAGE_DEAD_LETTER_SUBJECT,
  ingestionStreams,
  usageSeenKey,
  type EventMetadata,
  type FieldError,
  type NewEvent,
  type UsageBatchAccepted,
  type UsageRecordedData,
} from '@llmlab/contracts';
import { trustedScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import { sealUsageRecords, usageMonths } from '@llmlab/crypto';
import { DeadLetterHeaders, isDataException } from '@llmlab/messaging';
import { EVENT_STORE, RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';
import { derivedEventId } from '../derived-event-id';
import { PriceBook } from '../price-catalog/price-book';
import type { PricingSnapshot } from './record-pricing';
import { EndUserPseudonyms } from '../end-users/end-user-pseudonyms';
import { UsageLedgerKeys } from './usage-ledger-keys';
import {
  parseUsageBatchIsolating,
  priceUsageBatch,
  type EndUserPseudonymizer,
  type RecordableBatch,
  type RejectedUsageEvent,
} from './usage-batch';

/** Where the message being recorded came from, for the dead-letter headers of the events set aside. */
export interface IngestMessageOrigin {
  readonly stream: string;
  readonly sequence: number;
}

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
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly priceBook: PriceBook,
    private readonly endUsers: EndUserPseudonyms,
    private readonly ledgerKeys: UsageLedgerKeys,
  ) {}

  /**
   * A poison event never takes its batch with it: an event that breaks the contract is set aside before the
   * append, and if the append still fails on the data itself (PostgreSQL class 22), each event is appended alone
   * (ids derived from the batch and the event's index, so a redelivery appends nothing twice). Each event set aside
   * is dead-lettered alone with its reason, and the gateway's "already accepted" hint for its id is deleted, so a
   * corrected resend is accepted. Anything else (the store unreachable) throws: the message is redelivered.
   */
  async record(message: unknown, origin?: IngestMessageOrigin): Promise<void> {
    const { batch, rejected } = parseUsageBatchIsolating(message);
    if (batch.events.length > 0) {
      const indexes = indexesOf(message, batch);
      for (const failed of await this.append(batch, (i) => indexes[i])) {
        const event = batch.events[failed.position];
        rejected.push({
          index: indexes[failed.position],
          id: event.id,
          event,
          errors: [{ field: `/events/${indexes[failed.position]}`, message: failed.message }],
        });
      }
    }
    if (rejected.length > 0) await this.setAside(batch, rejected, origin);
  }

  /**
   * Prices the batch's events with its organization's prices and appends its `UsageRecorded` events to the
   * project's ledger (ids derived from the batch id and the part: doing it again appends nothing). When the append
   * fails on the data itself, each event is appended alone (ids derived from the batch id and `indexOf` its
   * position); the ones that still cannot be stored come back, by position in `batch.events`. Anything else throws.
   * The ingest consumer and the backfill importer both record through here.
   */
  async append(batch: RecordableBatch, indexOf: (position: number) => number): Promise<{ position: number; message: string }[]> {
    const stream = ingestionStreams.usage(batch.projectId);
    // The organization the gateway resolved (from the API key, or the import's route), as the batch carries it.
    const pricing = await this.priceBook.snapshot(trustedScope(batch.organizationId));
    const pseudonym = await this.pseudonymsOf(batch);
    const keys = await this.ledgerKeys.forSealing(batch.organizationId, batch.projectId, usageMonths(batch.events));
    try {
      await this.store.appendToStream(stream, sealedEvents(usageRecordedEvents(batch, pricing, pseudonym), keys), {
        expectedRevision: 'any',
      });
      return [];
    } catch (error) {
      if (!isDataException(error)) throw error;
    }
    const failed: { position: number; message: string }[] = [];
    for (const [position, event] of batch.events.entries()) {
      const single: RecordableBatch = { ...batch, events: [event] };
      const [recorded] = sealedEvents(usageRecordedEvents(single, pricing, pseudonym), keys);
      try {
        await this.store.appendToStream(
          stream,
          [{ ...recorded, id: derivedEventId(batch.batchId, 'UsageRecorded', 'event', indexOf(position)) }],
          { expectedRevision: 'any' },
        );
      } catch (failure) {
        if (!isDataException(failure)) throw failure;
        failed.push({ position, message: `cannot be stored: ${(failure as Error).message}` });
      }
    }
    return failed;
  }

  /**
   * The organization's pseudonym function, after the project's mapping holds every end user of the batch: the
   * ledger only ever carries the pseudonym, and the projection finds the id through the mapping.
   */
  private async pseudonymsOf(batch: RecordableBatch): Promise<EndUserPseudonymizer> {
    const pseudonym = await this.endUsers.of(batch.organizationId);
    const ids = new Map<string, string>();
    for (const event of batch.events) if (event.userId !== undefined) ids.set(pseudonym(event.userId), event.userId);
    await this.endUsers.remember(batch.organizationId, batch.projectId, ids);
    return pseudonym;
  }

  private async setAside(batch: UsageBatchAccepted, rejected: RejectedUsageEvent[], origin?: IngestMessageOrigin): Promise<void> {
    const js = jetstream(this.runtime.nats);
    const subject = this.runtime.streams.subject(INGEST_USAGE_DEAD_LETTER_SUBJECT);
    for (const r of rejected) {
      const { events: _events, ...envelope } = batch;
      const h = natsHeaders();
      h.set(DeadLetterHeaders.Error, describe(r.errors));
      if (origin) {
        h.set(DeadLetterHeaders.Stream, origin.stream);
        h.set(DeadLetterHeaders.StreamSequence, String(origin.sequence));
      }
      await js.publish(subject, JSON.stringify({ ...envelope, index: r.index, event: r.event, errors: r.errors }), {
        headers: h,
        // A redelivered batch dead-letters the same event once.
        msgID: `${batch.batchId}:${r.index}`,
      });
      this.runtime.logger.error(
        { batchId: batch.batchId, index: r.index, fields: r.errors.map((e) => e.field) },
        'usage event dead-lettered',
      );
    }
    const ids = rejected.flatMap((r) => (r.id !== undefined ? [r.id] : []));
    if (ids.length > 0) {
      const namespace = this.runtime.config.NATS_PREFIX;
      await this.runtime.redis.del(...ids.map((id) => usageSeenKey(namespace, batch.projectId, id))).catch((err: Error) => {
        this.runtime.logger.warn({ err: err.message }, 'dedup hints of dead-lettered usage events not deleted');
      });
    }
  }
}

/** `Dlq-Error`: one header line, the fields and their problems. */
function describe(errors: readonly FieldError[]): string {
  return (
    errors
      .map((e) => `${e.field}: ${e.message}`)
      .join('; ')
      // eslint-disable-next-line no-control-regex -- a header line holds no NUL nor line break
      .replace(/[\r\n\u0000]/g, ' ')
      .slice(0, 1024)
  );
}

/** The index in the message of each of the batch's (valid) events. */
function indexesOf(message: unknown, batch: UsageBatchAccepted): number[] {
  const raw = (message as { events: unknown[] }).events;
  const out: number[] = [];
  let next = 0;
  for (const event of batch.events) {
    while (next < raw.length && (raw[next] as { id?: unknown } | null)?.id !== event.id) next += 1;
    out.push(next);
    next += 1;
  }
  return out;
}

/** The batch's `UsageRecorded` events, their ids derived from the batch id and the part. */
export function usageRecordedEvents(
  batch: RecordableBatch,
  pricing: PricingSnapshot,
  pseudonym: EndUserPseudonymizer,
): NewEvent<'UsageRecorded', UsageRecordedData>[] {
  const metadata: EventMetadata = {
    actor: batch.actor ?? { type: 'api_key', id: batch.apiKeyId! },
    organizationId: batch.organizationId,
    projectId: batch.projectId,
    correlationId: batch.correlationId ?? batch.batchId,
    causationId: batch.batchId,
  };
  return priceUsageBatch(batch, pricing, pseudonym).map((data) => ({
    id: derivedEventId(batch.batchId, 'UsageRecorded', data.part),
    type: 'UsageRecorded',
    data,
    metadata,
  }));
}

/**
 * The events as the ledger keeps them: each part's records sealed by month under the project-month's key (libs/crypto's
 * usage-ledger.ts), so that retention can make them unreadable everywhere by destroying the key.
 */
function sealedEvents(
  events: NewEvent<'UsageRecorded', UsageRecordedData>[],
  keys: ReadonlyMap<string, Buffer>,
): NewEvent<'UsageRecorded', UsageRecordedData>[] {
  return events.map((event) => ({
    ...event,
    data: {
      ...event.data,
      records: [],
      sealed: sealUsageRecords(event.data.organizationId, event.data.projectId, event.data.records, keys),
    },
  }));
}
