import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyRequest, RouteOptions } from 'fastify';
import { TRACE_LIMITS } from '@llmlab/contracts';

export const OTLP_TRACES_PATH = '/v1/otlp/v1/traces';
export const OTLP_PROTOBUF = 'application/x-protobuf';
export const OTLP_JSON = 'application/json';

interface HttpError extends Error {
  statusCode: number;
}

function httpError(statusCode: number, message: string): HttpError {
  return Object.assign(new Error(message), { statusCode });
}

/**
 * Fastify `onRoute` hook for the OTLP route: a body limit of its own, and gzip inflated while it is read. The limit
 * holds for the compressed bytes and, through Fastify's own count, for the inflated ones, so a small compressed
 * body that inflates without end is stopped at the limit (413), never inflated whole.
 */
export function otlpRoute(route: RouteOptions): void {
  if (route.url !== OTLP_TRACES_PATH || route.method !== 'POST') return;
  route.bodyLimit = TRACE_LIMITS.maxBodyBytes;
  const existing = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
  route.preParsing = [...existing, inflate];
}

async function inflate(req: FastifyRequest, _reply: unknown, payload: Readable): Promise<Readable> {
  const header = req.headers['content-encoding'];
  const encoding = (typeof header === 'string' ? header : '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return payload;
  if (encoding !== 'gzip') throw httpError(415, `unsupported content encoding "${encoding}": send gzip or none`);
  let received = 0;
  const gunzip = createGunzip();
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      (gunzip as Readable & { receivedEncodedLength?: number }).receivedEncodedLength = received;
      if (received > TRACE_LIMITS.maxBodyBytes) done(httpError(413, 'request body is larger than the limit'));
      else done(null, chunk);
    },
  });
  counted.on('error', (err) => gunzip.destroy(err));
  gunzip.on('error', (err: Partial<HttpError>) => {
    err.statusCode ??= 400;
    if (err.statusCode === 400) err.message = 'the body is not valid gzip';
  });
  payload.on('error', (err) => gunzip.destroy(err));
  return payload.pipe(counted).pipe(gunzip);
}

/** Protobuf bodies reach the route as bytes; JSON is parsed by Fastify's own parser. */
export function registerOtlpBodyParser(fastify: {
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer' },
    parser: (req: unknown, body: Buffer, done: (err: Error | null, body?: unknown) => void) => void,
  ): void;
}): void {
  fastify.addContentTypeParser(OTLP_PROTOBUF, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}
