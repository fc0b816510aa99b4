import type { FastifyReply, FastifyRequest } from 'fastify';

/** The refresh token of a browser session: httpOnly, SameSite=Strict, sent only to the session routes. */
export const SESSION_COOKIE = 'llmlab_refresh';
/** The cookie's path: the browser sends it to `/v1/auth/session/*` and nowhere else. */
export const SESSION_PATH = '/v1/auth/session';
/**
 * The header every session route requires. A cross-site form cannot set it, and a cross-origin script cannot send it
 * without a CORS preflight the gateway does not grant: with SameSite=Strict, the refresh cookie cannot be ridden.
 */
export const CSRF_HEADER = 'x-llmlab-csrf';

/** The value of one cookie of the request, or undefined. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `Secure` when the browser reached us over TLS (directly, or through a trusted proxy's X-Forwarded-Proto). */
function attributes(request: FastifyRequest, maxAgeSeconds: number): string {
  return [
    `Path=${SESSION_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(request.protocol === 'https' ? ['Secure'] : []),
  ].join('; ');
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, refreshToken: string, maxAgeSeconds: number): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(refreshToken)}; ${attributes(request, maxAgeSeconds)}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; ${attributes(request, 0)}`);
}
