import {
  parseRfc3339,
  USAGE_LIMITS,
  validateUsageEvent,
  type FieldError,
  type UsageBatchAccepted,
  type UsageEventInput,
  type UsageRecordData,
  type UsageRecordedData,
  IngestionErrorCode,
  type UsageImportActor,
} from '@llmlab/contracts';
import { isUuid } from '@llmlab/domain';
import { IngestionError } from '../ingestion.errors';
import { normalizeProvider } from '@llmlab/pricing';
import { priceUsage, type PricingSnapshot } from './record-pricing';

/**
 * A part of a batch stays well under the 1 MiB a NATS message holds once the relay publishes it: the input's
 * size bounds it, and pricing adds about 200 bytes a record.
 */
export const USAGE_PART_MAX_EVENTS = 500;
export const USAGE_PART_MAX_BYTES = 256 * 1024;

/**
 * Events to record: a message of the ingest stream, or one part of a backfill import (`importId` set; `apiKeyId`
 * null and `actor` the user when a signed-in user uploaded it).
 */
export interface RecordableBatch extends Omit<UsageBatchAccepted, 'apiKeyId'> {
  readonly apiKeyId: string | null;
  readonly actor?: UsageImportActor;
  readonly importId?: string;
}

/**
 * Prices every event of an accepted batch, each at its own timestamp, into the data of its `UsageRecorded` events:
 * one per part. Parts are cut from the input alone, so a batch delivered again has the same parts (even if prices
 * changed meanwhile), which the handler's ids derive from.
 *
 * A pure function, not a decider: recording usage decides nothing on the ledger's state. The ledger keeps every copy
 * it is sent (the projection deduplicates), so its parts are appended at any revision, idempotent by their ids.
 */
/** The keyed pseudonym of an end user id, for the ledger (end-users/end-user-pseudonyms.ts). */
export type EndUserPseudonymizer = (userId: string) => string;

export function priceUsageBatch(batch: RecordableBatch, pricing: PricingSnapshot, pseudonym: EndUserPseudonymizer): UsageRecordedData[] {
  const parts = splitIntoParts(batch.events);
  return parts.map((events, part) => ({
    batchId: batch.batchId,
    part,
    parts: parts.length,
    organizationId: batch.organizationId,
    projectId: batch.projectId,
    apiKeyId: batch.apiKeyId,
    receivedAt: batch.receivedAt,
    ...(batch.importId !== undefined ? { importId: batch.importId } : {}),
    pricing: { catalogRevision: pricing.catalogRevision, overridesRevision: pricing.overridesRevision },
    records: events.map((event) => toRecord(event, pricing, pseudonym)),
  }));
}

/** The ledger's record of an event: its cost, and its end user as a pseudonym, never the id. */
function toRecord(event: UsageEventInput, pricing: PricingSnapshot, pseudonym: EndUserPseudonymizer): UsageRecordData {
  const { cost, userId, ...rest } = event;
  // Set on the rest rather than spread with it into a new object, which cost several µs an event in V8: the same
  // keys in the same order (the sealed JSON is byte for byte what it was).
  const record = rest as { -readonly [K in keyof UsageRecordData]: UsageRecordData[K] };
  if (userId !== undefined) record.endUser = pseudonym(userId);
  record.provider = normalizeProvider(event.provider);
  // What pricing reads, not a copy of the whole event.
  record.cost = priceUsage(
    { provider: record.provider, model: event.model, timestamp: event.timestamp, usage: event.usage, cost },
    pricing,
  );
  return record;
}

export function splitIntoParts(events: readonly UsageEventInput[]): UsageEventInput[][] {
  // The whole array's JSON is the events' JSON plus brackets and commas: when it fits in one part, so does their sum,
  // and the loop below would cut nothing. One serialization instead of one per event (most batches are one part).
  if (events.length <= USAGE_PART_MAX_EVENTS && Buffer.byteLength(JSON.stringify(events)) <= USAGE_PART_MAX_BYTES) {
    return events.length > 0 ? [[...events]] : [];
  }
  const parts: UsageEventInput[][] = [];
  let current: UsageEventInput[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (current.length > 0 && (current.length >= USAGE_PART_MAX_EVENTS || bytes + size > USAGE_PART_MAX_BYTES)) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/**
 * Reads a message of the ingest stream. The gateway validated every event already; this checks again, against
 * the batch's own `receivedAt` (so a late delivery is not mistaken for a stale event), because a message that
 * breaks the contract must stop here, in the dead-letter stream, rather than half-enter the ledger.
 */
export function parseUsageBatch(raw: unknown): UsageBatchAccepted {
  const { batch, rejected } = parseUsageBatchIsolating(raw);
  if (rejected.length > 0) throw invalidBatch(rejected.flatMap((r) => r.errors));
  return batch;
}

/** An event of a message that breaks the contract, set aside so that the others are stored. */
export interface RejectedUsageEvent {
  readonly index: number;
  readonly id?: string;
  readonly event: unknown;
  readonly errors: FieldError[];
}

/**
 * Like `parseUsageBatch`, but an invalid event does not take its batch with it: it comes back in `rejected` (to be
 * dead-lettered alone) and `batch.events` holds the others, possibly none. A broken envelope still throws.
 */
export function parseUsageBatchIsolating(raw: unknown): { batch: UsageBatchAccepted; rejected: RejectedUsageEvent[] } {
  const errors: FieldError[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidBatch([{ field: '/', message: 'must be an object' }]);
  const message = raw as Record<string, unknown>;
  for (const field of ['batchId', 'organizationId', 'projectId', 'apiKeyId'] as const) {
    if (typeof message[field] !== 'string' || !isUuid(message[field])) errors.push({ field: `/${field}`, message: 'must be a UUID' });
  }
  const receivedAt = typeof message.receivedAt === 'string' ? parseRfc3339(message.receivedAt) : undefined;
  if (receivedAt === undefined) errors.push({ field: '/receivedAt', message: 'must be an RFC 3339 date-time' });
  if (message.correlationId !== undefined && typeof message.correlationId !== 'string') {
    errors.push({ field: '/correlationId', message: 'must be a string' });
  }
  const rawEvents = message.events;
  if (!Array.isArray(rawEvents) || rawEvents.length === 0 || rawEvents.length > USAGE_LIMITS.maxEventsPerBatch) {
    errors.push({ field: '/events', message: `must be an array of 1 to ${USAGE_LIMITS.maxEventsPerBatch} events` });
  }
  if (errors.length > 0) throw invalidBatch(errors);

  const at = new Date(receivedAt!);
  const rejected: RejectedUsageEvent[] = [];
  const events: UsageEventInput[] = [];
  (rawEvents as unknown[]).forEach((event, index) => {
    const checked = validateUsageEvent(event, at, `/events/${index}`);
    if (checked.ok) events.push(checked.event);
    else {
      const id =
        typeof event === 'object' && event !== null && typeof (event as { id?: unknown }).id === 'string'
          ? (event as { id: string }).id
          : undefined;
      rejected.push({ index, ...(id !== undefined ? { id } : {}), event, errors: checked.errors });
    }
  });
  const batch: UsageBatchAccepted = {
    batchId: (message.batchId as string).toLowerCase(),
    organizationId: (message.organizationId as string).toLowerCase(),
    projectId: (message.projectId as string).toLowerCase(),
    apiKeyId: (message.apiKeyId as string).toLowerCase(),
    receivedAt: at.toISOString(),
    ...(typeof message.correlationId === 'string' ? { correlationId: message.correlationId } : {}),
    events,
  };
  return { batch, rejected };
}

function invalidBatch(errors: FieldError[]): IngestionError {
  const shown = errors.slice(0, 5).map((e) => `${e.field}: ${e.message}`);
  const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
  return new IngestionError(IngestionErrorCode.InvalidUsageBatch, `invalid usage batch: ${shown.join('; ')}${more}`, errors);
}
