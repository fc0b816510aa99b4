import type { FastifyReply, FastifyRequest } from 'fastify';
import { USAGE_LIMITS } from '@llmlab/contracts';
import { problem, problemCodeFor, PROBLEM_CONTENT_TYPE } from './problem';

/**
 * The longest path parameter the router takes, decoded. Ids the platform accepts from clients (end-user and
 * session ids of usage events and spans) are up to USAGE_LIMITS.maxStringLength: each must be addressable by the
 * routes that name one, above all `DELETE /v1/projects/{projectId}/end-users/{userId}/content` (Fastify's default,
 * 100, left longer end users' captured text unerasable).
 */
export const MAX_PATH_PARAM_LENGTH = USAGE_LIMITS.maxStringLength;

interface RouterError extends Error {
  code?: string;
  statusCode?: number;
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route runs (a path parameter over the limit, a
 * path that is not valid percent-encoding) leaves as problem+json like every other error, not as Fastify's own
 * body, which names its internal code and echoes the path.
 */
export function routerProblem(error: RouterError, req: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const detail =
    status === 414 ? `a path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters` : 'the path is not valid percent-encoding';
  void reply
    .status(status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(problem(status, problemCodeFor(status), detail, req, [{ field: '/path', message: detail }]));
}
