import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { loadConfig } from '@llmlab/config';
import { Metrics } from '@llmlab/health';
import { createLogger, PinoNestLogger, runWithContext } from '@llmlab/logging';
import { createMessagingClient } from '@llmlab/messaging';
import { gatewayEnv, type GatewayConfig } from './gateway.config';
import { GatewayDependencies, GatewayModule } from './gateway.module';
import { InternalListener } from './health/internal-listener';
import { ReadinessService } from './health/readiness.service';
import { MAX_PATH_PARAM_LENGTH, routerProblem } from './http/router-errors';
import { createValidationPipe } from './http/validation';
import { trustProxySetting } from './identity/identity.config';
import { buildOpenApiDocument, mountSwagger } from './openapi/openapi';
import { otlpRoute, registerOtlpBodyParser } from './otlp/otlp-body';
import { mountProxyEdge } from './proxy-edge/proxy-edge';
import { registerImportBodyParsers } from './usage/usage-import.service';
import { limitIngestBody } from './usage/usage-ingest.service';
import { mountWebApp } from './web/web-app';

/** A caller's request id is kept when it looks like one; otherwise the gateway makes one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export interface GatewayApp {
  app: NestFastifyApplication;
  deps: GatewayDependencies;
  /** /metrics and detailed readiness, on INTERNAL_PORT once `listen`ed (not by createGatewayApp). */
  internal: InternalListener;
  close(): Promise<void>;
}

export async function connectGatewayDependencies(config: GatewayConfig): Promise<GatewayDependencies> {
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await redis.connect();
  const nats = await connect({ servers: config.NATS_URL, name: 'llmlab-gateway', maxReconnectAttempts: -1 });
  const messaging = createMessagingClient({
    servers: config.NATS_URL,
    name: 'llmlab-gateway-rpc',
    defaultTimeoutMs: config.REQUEST_TIMEOUT_MS,
  });
  return { config, logger, metrics: new Metrics('gateway'), nats, redis, messaging };
}

/**
 * Builds the gateway application (not yet listening): Fastify, request ids carried as correlation ids,
 * validation, problem+json, Swagger at /docs and the OpenAPI document at /docs-json.
 */
export async function createGatewayApp(config: GatewayConfig = loadConfig(gatewayEnv)): Promise<GatewayApp> {
  const deps = await connectGatewayDependencies(config);
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Fastify 5 takes router options here; at the top level they are deprecated (FSTDEP022, a warning at start).
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: routerProblem,
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(deps), adapter, {
    logger: new PinoNestLogger(deps.logger),
  });
  const fastify = app.getHttpAdapter().getInstance();
  // Routes are registered by app.init() below, after this hook.
  fastify.addHook('onRoute', limitIngestBody);
  fastify.addHook('onRoute', otlpRoute);
  registerImportBodyParsers(fastify);
  mountProxyEdge(fastify, config.PROXY_URL, deps.logger);
  registerOtlpBodyParser(fastify);
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    runWithContext({ correlationId: String(req.id), ip: req.ip, userAgent: req.headers['user-agent'] }, done);
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    deps.logger.info(
      { requestId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  app.useGlobalPipes(createValidationPipe());
  if (config.CORS_ORIGINS) {
    app.enableCors({
      origin: config.CORS_ORIGINS.split(',').map((o) => o.trim()),
      exposedHeaders: ['x-request-id', 'etag', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    });
  }
  mountSwagger(app, buildOpenApiDocument(app));
  await mountWebApp(app, config.WEB_DIST_DIR, deps.logger);
  await app.init();
  const internal = new InternalListener(deps.metrics, app.get(ReadinessService));

  return {
    app,
    deps,
    internal,
    async close() {
      await internal.close();
      await app.close();
      await deps.messaging.close().catch(() => undefined);
      await deps.nats.drain().catch(() => undefined);
      deps.redis.disconnect();
    },
  };
}
