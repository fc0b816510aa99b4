import { GatewayProblem } from '../http/problem';

/**
 * One answer for every authentication failure (missing, malformed, expired, forged, revoked, unknown key...):
 * the body never tells an attacker which check failed.
 */
export function unauthenticated(): GatewayProblem {
  return new GatewayProblem(401, 'UNAUTHENTICATED', 'missing, invalid or expired credentials', undefined, { 'WWW-Authenticate': 'Bearer' });
}

/** Another tenant's resource, or one that does not exist: the same answer, as the services give it. */
export function notFound(what: string): GatewayProblem {
  return new GatewayProblem(404, `${what.toUpperCase().replace(/\s+/g, '_')}_NOT_FOUND`, `${what} not found`);
}

export function forbidden(detail: string): GatewayProblem {
  return new GatewayProblem(403, 'FORBIDDEN', detail);
}

/** A route switched off by configuration answers as one that does not exist. */
export function routeNotFound(): GatewayProblem {
  return new GatewayProblem(404, 'NOT_FOUND', 'not found');
}
