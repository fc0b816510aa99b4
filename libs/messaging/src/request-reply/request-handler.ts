import {
  MessagingErrorCode,
  type ErrorReply,
  type Reply,
  type RequestContext,
  type RequestEnvelope,
  type RequestOf,
  type ResponseOf,
  type Subject,
} from '@llmlab/contracts';
import { assertUnreachable, CodedError } from '@llmlab/domain';
import { EventStoreError, EventStoreErrorCode } from '@llmlab/event-store';
import { Logger } from '@nestjs/common';

const logger = new Logger('RequestHandler');

/**
 * Runs the logic behind one subject and always answers a `Reply`: a controller stays one line
 * (`return handleRequest(subjects.auth.createProject, envelope, (p, ctx) => this.projects.create(p, ctx))`)
 * and nothing it throws reaches Nest's own exception filter, whose answer the gateway could not map.
 */
export async function handleRequest<S extends Subject<unknown, unknown>>(
  subject: S,
  envelope: RequestEnvelope<RequestOf<S>>,
  handler: (payload: RequestOf<S>, context: RequestContext) => Promise<ResponseOf<S>> | ResponseOf<S>,
): Promise<Reply<ResponseOf<S>>> {
  try {
    return { ok: true, data: await handler(envelope.payload, envelope.context) };
  } catch (err) {
    // The envelope comes off the wire: a malformed one must still get an answer, not a second throw.
    return { ok: false, error: toErrorReply(err, subject.subject, envelope?.context?.correlationId) };
  }
}

/**
 * A coded error answers with its own code and message; anything else is a bug or an outage, so the client gets
 * a bare 500 and the details (stack included) go to the log, under the correlation id it can quote.
 */
export function toErrorReply(err: unknown, subject: string, correlationId?: string): ErrorReply {
  if (err instanceof CodedError) {
    return { code: err.code, message: err.message, ...(err.errors?.length ? { errors: [...err.errors] } : {}) };
  }
  const mapped = err instanceof EventStoreError ? eventStoreErrorReply(err) : undefined;
  if (mapped) return mapped;
  if (isDatabaseUnavailable(err)) {
    // An outage, not a bug: the client is told to retry (503 with Retry-After at the gateway), as when NATS is down.
    logger.warn(`${subject} failed (correlation id ${correlationId ?? 'none'}): the database is unavailable: ${(err as Error).message}`);
    return { code: MessagingErrorCode.ServiceUnavailable, message: 'a database the service needs is unavailable; retry later' };
  }
  logger.error(
    `${subject} failed (correlation id ${correlationId ?? 'none'}): ${err instanceof Error ? err.message : String(err)}`,
    err instanceof Error ? err.stack : undefined,
  );
  return { code: MessagingErrorCode.InternalError, message: 'internal error' };
}

/** PostgreSQL SQLSTATEs of a server that is going away or not accepting connections yet. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
/** What the driver and Node say when the connection is refused, cut or never made. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
const UNAVAILABLE_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * A failure to reach PostgreSQL (restarting, shutting down, refused, cut): SQLSTATE class 08 (connection
 * exception), 57P01 to 57P03, a socket error, or the pg driver's own words for a lost connection.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code))) return true;
  return UNAVAILABLE_MESSAGE.test(err.message);
}

/**
 * PostgreSQL's class 22, "data exception" (a value out of range, a numeric field overflow, text that is no number):
 * the data itself cannot be stored, so retrying the same work changes nothing. Consumers give such work up at once
 * (dead-lettered) instead of retrying it with backoff while the events behind it wait.
 */
export function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/**
 * Command handlers let the store's concurrency errors through once their retries are spent: both are conflicts.
 * A malformed stream name or append is a bug in the service, so it stays a 500.
 */
function eventStoreErrorReply(err: EventStoreError): ErrorReply | undefined {
  switch (err.code) {
    case EventStoreErrorCode.WrongExpectedRevision:
      return {
        code: MessagingErrorCode.ConcurrencyConflict,
        message: 'the resource was changed by another request: read it again and retry',
      };
    case EventStoreErrorCode.IdempotencyConflict:
      return {
        code: MessagingErrorCode.IdempotencyConflict,
        message: 'the request repeats part of an earlier, different request',
      };
    case EventStoreErrorCode.InvalidStreamName:
    case EventStoreErrorCode.InvalidAppend:
      return undefined;
    default:
      return assertUnreachable(err.code);
  }
}
