import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { PROXY_ERROR_STATUS, providerErrorBody, proxyFormatOf, type ProxyWireFormat } from '@llmlab/contracts';

/** Headers of one hop only, never forwarded (RFC 9110, section 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * The gateway's `/proxy/*`: the same calls as on the proxy service's own port, so that an OpenAI or Anthropic client
 * can use the platform's one public address. Such a request leaves Fastify's lifecycle before its body is read, and
 * is streamed both ways to the proxy service, which authenticates it (its LLMLab key, as here), records it and
 * answers in the provider's format. Nothing is buffered: a long stream flows chunk by chunk, with backpressure.
 */
export function mountProxyEdge(fastify: FastifyInstance, proxyUrl: string, logger: Logger): void {
  const target = new URL(proxyUrl);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  fastify.addHook('onRequest', async (request, reply) => {
    const format = proxyFormatOf(request.url);
    if (!format) return;
    reply.hijack();
    forward(request.raw, reply.raw, format, request.ip);
    return reply;
  });

  function forward(req: IncomingMessage, res: ServerResponse, format: ProxyWireFormat, clientIp: string) {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers['x-forwarded-for'] = clientIp;
    const upstream = send(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
        answer.once('error', () => res.destroy());
      },
    );
    upstream.once('error', (err) => {
      logger.warn({ err: err.message }, 'the proxy service could not be reached');
      if (res.headersSent) return res.destroy();
      res
        .writeHead(PROXY_ERROR_STATUS.unavailable, { 'content-type': 'application/json', 'retry-after': '2' })
        .end(JSON.stringify(providerErrorBody(format, 'unavailable', 'the proxy service is unavailable')));
    });
    // The caller went away: the proxy sees its connection close, stops the provider's call and records it.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
