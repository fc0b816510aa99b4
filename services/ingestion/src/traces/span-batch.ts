import {
  IngestionErrorCode,
  isStorableText,
  parseRfc3339,
  SPAN_CATEGORIES,
  SPAN_KINDS,
  TRACE_LIMITS,
  type FieldError,
  type SpanBatchAccepted,
  type SpanInput,
  type SpanRecordData,
  type SpansRecordedData,
} from '@llmlab/contracts';
import { isUuid } from '@llmlab/domain';
import { IngestionError } from '../ingestion.errors';

/** A part of a batch stays well under the 1 MiB a NATS message holds once the relay publishes it. */
export const SPAN_PART_MAX_SPANS = 500;
export const SPAN_PART_MAX_BYTES = 256 * 1024;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const STATUSES = new Set(['unset', 'ok', 'error']);

/**
 * Reads a message of the ingest stream as the intake's `SpanBatchAccepted`. The intake validated every span; this
 * checks what the ledger and the projection rely on (ids, instants, enumerations, shapes, text PostgreSQL can
 * store), so that a message breaking the contract is dead-lettered whole (INVALID_SPAN_BATCH) instead of failing
 * in the projection.
 */
export function parseSpanBatch(raw: unknown): SpanBatchAccepted {
  if (!isObject(raw)) throw invalidBatch([{ field: '/', message: 'must be an object' }]);
  const errors: FieldError[] = [];
  for (const field of ['batchId', 'organizationId', 'projectId', 'apiKeyId'] as const) {
    if (typeof raw[field] !== 'string' || !isUuid(raw[field])) errors.push({ field: `/${field}`, message: 'must be a UUID' });
  }
  const receivedAt = typeof raw.receivedAt === 'string' ? parseRfc3339(raw.receivedAt) : undefined;
  if (receivedAt === undefined) errors.push({ field: '/receivedAt', message: 'must be an RFC 3339 date-time' });
  if (raw.correlationId !== undefined && typeof raw.correlationId !== 'string') {
    errors.push({ field: '/correlationId', message: 'must be a string' });
  }
  const spans = raw.spans;
  if (!Array.isArray(spans) || spans.length === 0 || spans.length > TRACE_LIMITS.maxSpansPerRequest) {
    errors.push({ field: '/spans', message: `must be an array of 1 to ${TRACE_LIMITS.maxSpansPerRequest} spans` });
  } else {
    spans.forEach((span, index) => errors.push(...spanErrors(span, `/spans/${index}`)));
  }
  if (errors.length > 0) throw invalidBatch(errors);
  return {
    batchId: (raw.batchId as string).toLowerCase(),
    organizationId: (raw.organizationId as string).toLowerCase(),
    projectId: (raw.projectId as string).toLowerCase(),
    apiKeyId: (raw.apiKeyId as string).toLowerCase(),
    receivedAt: new Date(receivedAt!).toISOString(),
    ...(typeof raw.correlationId === 'string' ? { correlationId: raw.correlationId } : {}),
    spans: spans as SpanInput[],
  };
}

/**
 * The data of the batch's `SpansRecorded` events, one per part, without the spans' content. Parts are cut from the
 * input alone, so a batch delivered again has the same parts, which the event ids derive from.
 */
/**
 * The batch's `SpansRecorded` parts: spans without their content, the end user as its keyed pseudonym (`pseudonym`:
 * end-users/end-user-pseudonyms.ts), never the id.
 */
export function spansRecordedParts(batch: SpanBatchAccepted, pseudonym: (userId: string) => string): SpansRecordedData[] {
  const parts: SpanRecordData[][] = [];
  let current: SpanRecordData[] = [];
  let bytes = 0;
  for (const { content: _content, userId, ...rest } of batch.spans) {
    const span: SpanRecordData = userId !== undefined ? { ...rest, endUser: pseudonym(userId) } : rest;
    const size = Buffer.byteLength(JSON.stringify(span));
    if (current.length > 0 && (current.length >= SPAN_PART_MAX_SPANS || bytes + size > SPAN_PART_MAX_BYTES)) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(span);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts.map((spans, part) => ({
    batchId: batch.batchId,
    part,
    organizationId: batch.organizationId,
    projectId: batch.projectId,
    apiKeyId: batch.apiKeyId,
    receivedAt: batch.receivedAt,
    spans,
  }));
}

function spanErrors(span: unknown, at: string): FieldError[] {
  if (!isObject(span)) return [{ field: at, message: 'must be an object' }];
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field: `${at}/${field}`, message });
  if (typeof span.traceId !== 'string' || !TRACE_ID.test(span.traceId)) fail('traceId', 'must be 32 lowercase hex characters');
  if (typeof span.spanId !== 'string' || !SPAN_ID.test(span.spanId)) fail('spanId', 'must be 16 lowercase hex characters');
  if (span.parentSpanId !== undefined && (typeof span.parentSpanId !== 'string' || !SPAN_ID.test(span.parentSpanId))) {
    fail('parentSpanId', 'must be 16 lowercase hex characters');
  }
  if (typeof span.name !== 'string' || span.name.length > TRACE_LIMITS.maxNameLength) {
    fail('name', `must be a string of at most ${TRACE_LIMITS.maxNameLength} characters`);
  }
  if (!SPAN_KINDS.includes(span.kind as never)) fail('kind', `must be one of ${SPAN_KINDS.join(', ')}`);
  if (!SPAN_CATEGORIES.includes(span.category as never)) fail('category', `must be one of ${SPAN_CATEGORIES.join(', ')}`);
  if (!STATUSES.has(span.status as string)) fail('status', 'must be one of unset, ok, error');
  for (const field of ['startTime', 'endTime'] as const) {
    if (typeof span[field] !== 'string' || parseRfc3339(span[field]) === undefined) fail(field, 'must be an RFC 3339 date-time');
  }
  for (const field of ['statusMessage', 'serviceName', 'sessionId', 'userId'] as const) {
    if (span[field] !== undefined && typeof span[field] !== 'string') fail(field, 'must be a string');
  }
  if (!isObject(span.tags) || Object.values(span.tags).some((v) => typeof v !== 'string')) fail('tags', 'must map keys to strings');
  if (!isObject(span.attributes)) fail('attributes', 'must be an object');
  if (!Array.isArray(span.events)) fail('events', 'must be an array');
  if (span.genAi !== undefined && !isObject(span.genAi)) fail('genAi', 'must be an object');
  if (span.content !== undefined && !isObject(span.content)) fail('content', 'must be an object');
  // A string PostgreSQL refuses (in the ledger's jsonb or the read model's text) would fail every append of the batch.
  const { content: _content, ...stored } = span;
  if (errors.length === 0 && !storable(stored)) errors.push({ field: at, message: 'holds text PostgreSQL cannot store' });
  return errors;
}

function storable(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(storable);
  if (isObject(value)) return Object.entries(value).every(([k, v]) => isStorableText(k) && storable(v));
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidBatch(errors: FieldError[]): IngestionError {
  const shown = errors.slice(0, 5).map((e) => `${e.field}: ${e.message}`);
  const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
  return new IngestionError(IngestionErrorCode.InvalidSpanBatch, `invalid span batch: ${shown.join('; ')}${more}`, errors);
}
