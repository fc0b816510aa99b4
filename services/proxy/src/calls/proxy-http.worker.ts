import { HttpAdapterHost } from '@nestjs/core';
import type { OnModuleInit } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { BufferedRateLimiter, RateLimiter } from '@llmlab/api-keys';
import { proxyFormatOf } from '@llmlab/contracts';
import type { BackgroundWorker, ServiceRuntime } from '@llmlab/service-kit';
import { breakerOptions, retryOptions, UpstreamBreakers } from '../upstream';
import type { ProxyConfig } from '../proxy.config';
import type { UsageRecordingWorker } from '../recording/usage-recording.worker';
import { sendProviderError } from './provider-errors';
import { ProxyCalls, type ProxyCallsDeps } from './proxy-calls';

/**
 * Serves `/proxy/openai/v1/*` and `/proxy/anthropic/*` on the service's HTTP port, beside its health and metrics:
 * such a request leaves Fastify's lifecycle before its body is read (the proxy streams both ways itself). Calls
 * are taken once the recorder runs; on shutdown new calls are refused (503) and those under way run to their end
 * before the recorder stops.
 */
export class ProxyHttpWorker implements OnModuleInit, BackgroundWorker {
  readonly name = 'proxy data path';
  private calls?: ProxyCalls;
  private limiter?: BufferedRateLimiter;

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly runtime: ServiceRuntime<ProxyConfig>,
    private readonly recording: UsageRecordingWorker,
    /** The data path's collaborators, but for the recorder (once it runs) and the rate limiter (made here). */
    private readonly collaborators: Omit<ProxyCallsDeps, 'recorder' | 'limiter'>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request, reply) => {
      const format = proxyFormatOf(request.url);
      if (!format) return;
      reply.hijack();
      const calls = this.calls;
      if (calls) void calls.handle(request.raw, reply.raw);
      else sendProviderError(reply.raw, format, 'unavailable', 'the proxy is starting or stopping');
      return reply;
    });
  }

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
  }

  async stop(): Promise<void> {
    const calls = this.calls;
    this.calls = undefined;
    await calls?.drain();
    await this.limiter?.flushAll();
  }
}
