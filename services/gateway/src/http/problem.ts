import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ErrorReply, FieldError } from '@llmlab/contracts';
import { httpStatusOfWireCode } from './error-status';

/** RFC 7807 body. `code` is the stable machine-readable reason; `errors` names each bad field. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** An error reply from a service, carried to the edge to be rendered once, here. */
export class ServiceReplyError extends Error {
  constructor(readonly reply: ErrorReply) {
    super(reply.message);
  }
}

/** A 4xx the gateway itself raises, with a code and, when input was wrong, the fields. */
export class GatewayProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
    /** Members added to the problem body (RFC 9457 extension members), e.g. the per-event outcome of a batch. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Seconds a client is told to wait after a 503 that did not say otherwise. */
export const SERVICE_RETRY_AFTER_SECONDS = 2;

export const PROBLEM_TYPE_BASE = 'https://llmlab.dev/problems/';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** The code of an error that has none of its own: its status's title (`URI_TOO_LONG`). */
export function problemCodeFor(status: number): string {
  return (TITLES[status] ?? 'Error').toUpperCase().replace(/ /g, '_');
}

export function problem(status: number, code: string, detail: string, req: FastifyRequest, errors?: FieldError[]): Problem {
  return {
    type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/_/g, '-'),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: req.url.split('?')[0],
    code,
    requestId: String(req.id),
    ...(errors?.length ? { errors } : {}),
  };
}

/** Fastify's own errors (body parsing, size) carry a code and a status; keep their 4xx meaning. */
interface FastifyError extends Error {
  code?: string;
  statusCode?: number;
}

/**
 * Every error leaves the gateway as application/problem+json, mapped once here. A 5xx never carries the internal
 * message or a stack: it is logged with the request id, and the client gets the id to quote.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const body = this.toProblem(exception, req);
    if (body.status >= 500) this.logger.error({ err: exception, requestId: req.id, status: body.status }, 'request failed');
    if (exception instanceof GatewayProblem && exception.headers) reply.headers(exception.headers);
    // A service or its database unavailable: the client may retry, and is told when.
    else if (body.status === 503) reply.header('Retry-After', String(SERVICE_RETRY_AFTER_SECONDS));
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private toProblem(exception: unknown, req: FastifyRequest): Problem {
    if (exception instanceof GatewayProblem) {
      return { ...exception.extensions, ...problem(exception.status, exception.code, exception.message, req, exception.errors) };
    }
    if (exception instanceof ServiceReplyError) {
      const { code, message, errors } = exception.reply;
      const status = httpStatusOfWireCode(code);
      // 503 (nobody answered) and 504 (no answer in time) say which service; other 5xx messages stay in the logs.
      return problem(status, code, status >= 500 && status !== 503 && status !== 504 ? 'internal error' : message, req, errors);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const detail =
        typeof response === 'object' && response !== null && 'message' in response && typeof response.message === 'string'
          ? response.message
          : exception.message;
      return problem(status, problemCodeFor(status), status >= 500 ? 'internal error' : detail, req);
    }
    const fastifyError = exception as FastifyError;
    if (fastifyError?.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const status = fastifyError.statusCode;
      const detail =
        status === HttpStatus.PAYLOAD_TOO_LARGE
          ? 'request body is larger than the limit'
          : status === HttpStatus.UNSUPPORTED_MEDIA_TYPE
            ? 'unsupported content type: send application/json'
            : fastifyError.message;
      return problem(status, problemCodeFor(status), detail, req, status === 400 ? [{ field: '/', message: detail }] : undefined);
    }
    return problem(500, 'INTERNAL_ERROR', `internal error; quote request id ${String(req.id)}`, req);
  }
}
