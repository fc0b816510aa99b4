import type { Actor } from './envelope';

/**
 * Who asks and on whose behalf. Every command and query over NATS carries it, so the correlation id of the
 * HTTP request reaches the events the command appends (DESIGN.md section 7).
 */
export interface RequestContext {
  correlationId: string;
  actor?: Actor;
  organizationId?: string;
  projectId?: string;
  ip?: string;
  userAgent?: string;
}

export interface RequestEnvelope<TPayload> {
  context: RequestContext;
  payload: TPayload;
}

/** Where an input is wrong, as a JSON pointer into the request body (`/events/3/model`), and what is wrong. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * A coded error that crosses the wire. It carries no HTTP status: the gateway maps the code to one, and renders
 * problem+json, once.
 */
export interface ErrorReply {
  /** Declared in contracts (`ErrorCode`), e.g. `PROJECT_NOT_FOUND`, `VALIDATION_FAILED`, `CONCURRENCY_CONFLICT`. */
  code: string;
  /** Safe for clients: never a stack trace or an internal message. */
  message: string;
  /** JSON pointer-ish location of the bad input, e.g. `/events/3/model`. */
  errors?: FieldError[];
}

export type Reply<T> = { ok: true; data: T } | { ok: false; error: ErrorReply };

/**
 * A request/reply subject declared once, typed end to end: `client.request(subjects.auth.createProject, payload)`.
 * The phantom fields carry the types; they are never set at run time.
 */
export interface Subject<TRequest, TResponse> {
  readonly subject: string;
  readonly __request?: TRequest;
  readonly __response?: TResponse;
}

export function defineSubject<TRequest, TResponse>(subject: string): Subject<TRequest, TResponse> {
  return { subject };
}

export type RequestOf<S> = S extends Subject<infer R, unknown> ? R : never;
export type ResponseOf<S> = S extends Subject<unknown, infer R> ? R : never;
