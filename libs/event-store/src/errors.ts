import type { ExpectedRevision } from './event-store';

export enum EventStoreErrorCode {
  WrongExpectedRevision = 'WRONG_EXPECTED_REVISION',
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
  InvalidStreamName = 'INVALID_STREAM_NAME',
  InvalidAppend = 'INVALID_APPEND',
}

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EventStoreError';
  }
}

/** Optimistic concurrency failure: the stream is not at the revision the caller expected (HTTP 409). */
export class WrongExpectedRevisionError extends EventStoreError {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(EventStoreErrorCode.WrongExpectedRevision, `stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/**
 * A retry that overlaps an earlier append only in part (some ids already recorded, others new, or the same
 * ids at other places): it cannot be an idempotent replay, so it is refused rather than half-applied.
 */
export class IdempotencyConflictError extends EventStoreError {
  constructor(
    readonly stream: string,
    detail: string,
  ) {
    super(EventStoreErrorCode.IdempotencyConflict, `stream ${stream}: ${detail}`);
    this.name = 'IdempotencyConflictError';
  }
}

/** A stream id the store refuses: empty, too long, with whitespace, or in EventStoreDB's `$` system namespace. */
export class InvalidStreamNameError extends EventStoreError {
  constructor(
    readonly stream: string,
    reason: string,
  ) {
    super(EventStoreErrorCode.InvalidStreamName, `stream ${JSON.stringify(stream)}: ${reason}`);
    this.name = 'InvalidStreamNameError';
  }
}

/** An append that could never be written (no events, a malformed id or version, an id twice in one batch). */
export class InvalidAppendError extends EventStoreError {
  constructor(
    readonly stream: string,
    detail: string,
  ) {
    super(EventStoreErrorCode.InvalidAppend, `stream ${stream}: ${detail}`);
    this.name = 'InvalidAppendError';
  }
}
