import type { ErrorReply } from '@llmlab/contracts';

export type FieldError = NonNullable<ErrorReply['errors']>[number];

/**
 * The base of every module's coded error (`class ProjectError extends CodedError<ProjectErrorCode>`). A NATS
 * handler that throws one answers `{ ok: false, error }` with exactly these fields, so `message` must be safe
 * to show to a client.
 */
export class CodedError<TCode extends string = string> extends Error {
  constructor(
    readonly code: TCode,
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }

  toErrorReply(): ErrorReply {
    return {
      code: this.code,
      status: this.status,
      message: this.message,
      ...(this.errors?.length ? { errors: this.errors } : {}),
    };
  }
}

/** Codes the messaging layer itself produces; domain modules define their own. */
export enum MessagingErrorCode {
  /** Nobody answers the subject: the owning service is down, or it does not handle the subject. */
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  /** The owning service took the request but did not answer in time: a command may still have been applied. */
  ServiceTimeout = 'SERVICE_TIMEOUT',
  /** A handler failed in a way it did not anticipate; details are only in the service's log. */
  InternalError = 'INTERNAL_ERROR',
  /** Another request changed the same aggregate first (the event store's optimistic concurrency check). */
  ConcurrencyConflict = 'CONCURRENCY_CONFLICT',
  /** A retried command overlaps an earlier one only in part, so it can be neither replayed nor applied. */
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
}
