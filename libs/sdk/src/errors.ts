export type LLMLabErrorCode =
  /** The queue was full: the oldest events were dropped to make room. */
  | 'queue_overflow'
  /** `record()` got an event that cannot be serialized (for example a circular or BigInt metadata value). */
  | 'invalid_event'
  /** One event alone is larger than the ingest API accepts in a whole batch. */
  | 'event_too_large'
  /** The ingest API answered a status that retrying cannot fix (400, 401, 403, 413, ...): the batch was dropped. */
  | 'request_rejected'
  /** Network errors, 429 or 5xx on every attempt up to `maxRetries`: the batch was dropped. */
  | 'retries_exhausted'
  /** The ingest API listed events as invalid: some of a batch (202), or all of it (400 with the same list). */
  | 'events_rejected'
  /** `shutdown()` reached its deadline with events still undelivered. */
  | 'shutdown_timeout'
  /** `record()` was called after `shutdown()`. */
  | 'closed'
  /** A provider call could not be observed; the call itself went through untouched. */
  | 'instrumentation'
  /** A defect in the SDK itself: the events it held at that moment were dropped. */
  | 'internal';

export interface LLMLabErrorDetails {
  /** How many events this error cost (dropped, rejected or left undelivered). */
  eventCount?: number;
  /** HTTP status of the ingest answer, when there was one. */
  status?: number;
  /** What the ingest API said, when it said something (for `events_rejected`: its `rejected` list). */
  details?: unknown;
  cause?: unknown;
}

/** Everything the SDK reports goes through `onError` as one of these; none is ever thrown at the host. */
export class LLMLabError extends Error {
  override readonly name = 'LLMLabError';
  readonly code: LLMLabErrorCode;
  readonly eventCount: number;
  readonly status: number | undefined;
  readonly details: unknown;

  constructor(code: LLMLabErrorCode, message: string, extra: LLMLabErrorDetails = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.eventCount = extra.eventCount ?? 0;
    this.status = extra.status;
    this.details = extra.details;
  }
}
