/**
 * Error codes every service may answer with, whatever its domain. Each context declares its own codes beside
 * its subjects (`auth/auth.errors.ts`, ...); the gateway maps every code to an HTTP status once
 * (`services/gateway/src/http/error-status.ts`), so services never speak HTTP.
 */
export enum MessagingErrorCode {
  /** Nobody answers the subject: the owning service is down, or it does not handle the subject. */
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  /** The owning service took the request but did not answer in time: a command may still have been applied. */
  ServiceTimeout = 'SERVICE_TIMEOUT',
  /** The service answered something that is not a reply: a bug on its side, nothing to retry. */
  BadServiceReply = 'BAD_SERVICE_REPLY',
  /** The service is draining for a shutdown and takes no new work: another replica (or a retry) will. */
  ShuttingDown = 'SHUTTING_DOWN',
  /** A handler failed in a way it did not anticipate; details are only in the service's log. */
  InternalError = 'INTERNAL_ERROR',
  /** Another request changed the same aggregate first (the event store's optimistic concurrency check). */
  ConcurrencyConflict = 'CONCURRENCY_CONFLICT',
  /** A retried command overlaps an earlier one only in part, so it can be neither replayed nor applied. */
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
}

/** A request whose context names no organization or project: the same answer as another tenant's resource. */
export enum ScopeErrorCode {
  OrganizationNotFound = 'ORGANIZATION_NOT_FOUND',
  ProjectNotFound = 'PROJECT_NOT_FOUND',
}
