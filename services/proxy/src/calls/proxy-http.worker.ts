import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BufferedRateLimiter, RateLimiter } from '@llmlab/api-keys';
import { PROXY_PATH_PREFIXES, proxyFormatOf } from '@llmlab/contracts';
import type { BackgroundWorker, ServiceRuntime } from '@llmlab/service-kit';
import { breakerOptions, retryOptions, UpstreamBreakers } from '../upstream';
import type { ProxyConfig } from '../proxy.config';
import type { UsageRecordingWorker } from '../recording/usage-recording.worker';
import { sendProviderError } from './provider-errors';
import { ProxyCalls, type ProxyCallsDeps } from './proxy-calls';

/** Above the idle timeout of Node's and most load balancers' keep-alive clients (5 s, 60 s), as Fastify's default. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * Serves `/proxy/openai/v1/*` and `/proxy/anthropic/*` on a listener of its own (`PROXY_PORT`), apart from the
 * service's HTTP port with its health and metrics, which callers of the proxy have no business reading. The proxy
 * streams both ways itself: no framework reads a body. Calls are taken once the recorder runs; on shutdown new calls
 * are refused (503) and those under way run to their end before the recorder stops.
 */
export class ProxyHttpWorker implements BackgroundWorker {
  readonly name = 'proxy data path';
  private calls?: ProxyCalls;
  private limiter?: BufferedRateLimiter;
  private server?: Server;

  constructor(
    private readonly runtime: ServiceRuntime<ProxyConfig>,
    private readonly recording: UsageRecordingWorker,
    /** The data path's collaborators, but for the recorder (once it runs) and the rate limiter (made here). */
    private readonly collaborators: Omit<ProxyCallsDeps, 'recorder' | 'limiter'>,
  ) {}

  async start(): Promise<void> {
    const { config, logger } = this.runtime;
    // The gateway's buckets, counted in memory between round trips to Redis but near a key's limit.
    this.limiter = new BufferedRateLimiter(new RateLimiter(this.runtime.redis, config.NATS_PREFIX, logger), logger);
    this.calls = new ProxyCalls(
      {
        ...this.collaborators,
        recorder: this.recording.recorder!,
        limiter: this.limiter,
      },
      {
        openaiBaseUrl: config.PROXY_OPENAI_BASE_URL,
        anthropicBaseUrl: config.PROXY_ANTHROPIC_BASE_URL,
        upstreamTimeoutMs: config.PROXY_UPSTREAM_TIMEOUT_MS,
        maxBodyBytes: config.PROXY_MAX_BODY_BYTES,
        ingestPerHour: config.RATE_LIMIT_INGEST_PER_HOUR,
        retries: retryOptions(config),
        translatedMaxTokens: config.PROXY_TRANSLATED_MAX_TOKENS,
        breakers: new UpstreamBreakers(breakerOptions(config)),
      },
      logger,
    );
    const server = createServer((req, res) => this.serve(req, res));
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PROXY_PORT, config.HOST, () => resolve());
    });
    logger.info({ port: (server.address() as AddressInfo).port }, 'proxy data path listening: /proxy/openai/v1, /proxy/anthropic');
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const format = proxyFormatOf(req.url ?? '/');
    if (!format) {
      const detail = `this port serves ${PROXY_PATH_PREFIXES.openai}* and ${PROXY_PATH_PREFIXES.anthropic}* only`;
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 404, title: 'Not Found', detail }));
      return;
    }
    const calls = this.calls;
    if (calls) void calls.handle(req, res);
    else sendProviderError(res, format, 'unavailable', 'the proxy is starting or stopping');
  }

  async stop(): Promise<void> {
    const calls = this.calls;
    this.calls = undefined;
    await calls?.drain();
    await this.limiter?.flushAll();
    const server = this.server;
    if (server?.listening) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
