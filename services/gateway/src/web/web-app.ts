import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** Paths the dashboard never answers: the API, its documentation, health, metrics, JWKS and the proxy. */
const NOT_THE_DASHBOARD = /^\/(v1|docs|docs-json|health|metrics|\.well-known|proxy)(\/|$|\?)/;
/** A path whose last segment has an extension names a file: a missing one is a 404, not the app. */
const FILE_LIKE = /\/[^/]*\.[^/]*$/;

/**
 * The Content-Security-Policy of the dashboard: its own scripts, styles, images and API only; no inline script, no
 * framing. Over TLS, requests are upgraded and HSTS is sent.
 */
function headers(tls: boolean) {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        ...(tls ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' as const },
    frameguard: { action: 'deny' as const },
    crossOriginEmbedderPolicy: false,
  };
}

/**
 * The same headers for the gateway's other HTML, Swagger UI at /docs: its scripts are files of its own, but its page
 * carries an inline <style> and style attributes, so styles (not scripts) may be inline there.
 */
function docsHeaders(tls: boolean): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(tls ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'x-frame-options': 'DENY',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * Serves the dashboard (`web/dist`) at `/`, same origin as the API: hashed assets cached for a year and immutable,
 * `index.html` revalidated on every load, any other GET that is not an API path answered with `index.html` so that
 * client-side routes survive a reload. Every answer of this plugin carries the security headers; the API's answers
 * are untouched. Without a build, the dashboard's paths answer what they answered before: a 404 problem.
 */
export async function mountWebApp(app: NestFastifyApplication, distDir: string, logger: Logger): Promise<void> {
  // Every HTML answer gets security headers: the dashboard's below, any other (Swagger UI) these.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
      if (html && !reply.raw.hasHeader('content-security-policy')) reply.headers(docsHeaders(request.protocol === 'https'));
      return payload;
    });
  const root = resolve(distDir);
  if (!distDir || !existsSync(resolve(root, 'index.html'))) {
    logger.warn({ dir: root }, 'no dashboard build found (run `npm run build`): / answers 404');
    return;
  }
  await app.register(async (web: FastifyInstance) => {
    await web.register(fastifyHelmet, { global: false });
    web.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      // The catch-all route also sees unknown API paths on their way to the API's 404: those stay untouched.
      if (!NOT_THE_DASHBOARD.test(request.url)) void reply.helmet(headers(request.protocol === 'https'));
      done();
    });
    await web.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      // The build writes .br and .gz beside each file (web/vite.config.ts): served to browsers that accept them.
      preCompressed: true,
      index: false,
      cacheControl: false,
      setHeaders(reply, path) {
        reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    web.get('/*', (request, reply) => {
      const path = request.url.split('?')[0];
      if (NOT_THE_DASHBOARD.test(path) || FILE_LIKE.test(path)) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  });
}
