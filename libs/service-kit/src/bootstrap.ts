import { DynamicModule, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { ZodRawShape } from 'zod';
import { DEFAULT_HTTP_PORTS, type DomainServiceName } from '@llmlab/contracts';
import { ConfigError, configHelpers, domainServiceEnv, loadConfig, z } from '@llmlab/config';
import { createLogger, PinoNestLogger } from '@llmlab/logging';
import { EventRelay, ensureStreams, natsMicroserviceOptions } from '@llmlab/messaging';
import { discoverMigrationSets, migrate, repositoryRoot } from '@llmlab/persistence';
import { DomainServiceConfig, ServiceRuntime } from './runtime';
import { ServiceKitModule } from './service-kit.module';

export interface DomainServiceOptions {
  name: DomainServiceName;
  /** The service's feature modules; they inject the kit's tokens (PG_POOL, EVENT_STORE, ...). */
  modules?: (runtime: ServiceRuntime) => (Type | DynamicModule)[];
  /** Extra environment variables of this service, validated with the common ones. */
  env?: ZodRawShape;
  /** Runs after the service listens: start relays, consumers, schedulers; register them with runtime.onShutdown. */
  afterStart?: (runtime: ServiceRuntime) => Promise<void>;
}

/** The migration sets a service applies at start: the shared libraries' schemas and its own. */
function migrationSetsFor(name: DomainServiceName) {
  const root = repositoryRoot();
  return discoverMigrationSets(root).filter((s) => s.dir.startsWith(`${root}/libs/`) || s.dir.startsWith(`${root}/services/${name}/`));
}

function exitOnConfigError(name: string, err: unknown): never {
  const message = err instanceof ConfigError ? err.message : String(err);
  process.stderr.write(JSON.stringify({ level: 'fatal', service: name, msg: message }) + '\n');
  process.exit(1);
}

/**
 * Boots one domain service as its own process: validated config, migrations, connections, HTTP health and
 * metrics, NATS request handlers in the service's queue group, and a graceful SIGTERM.
 */
export async function bootstrapDomainService(options: DomainServiceOptions): Promise<ServiceRuntime> {
  const { name } = options;
  let config: DomainServiceConfig;
  try {
    config = loadConfig({
      ...domainServiceEnv,
      HTTP_PORT: configHelpers.port(DEFAULT_HTTP_PORTS[name]),
      HOST: z.string().default('0.0.0.0'),
      ...(options.env ?? {}),
    }) as DomainServiceConfig;
  } catch (err) {
    exitOnConfigError(name, err);
  }
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });

  if (config.MIGRATE_ON_START) {
    for (const set of migrationSetsFor(name)) await migrate(config.DATABASE_URL, set, (msg) => logger.debug({ set: set.schema }, msg));
    logger.info('migrations applied');
  }

  const runtime = await ServiceRuntime.connect(name, config, logger);

  @Module({ imports: [ServiceKitModule.forRoot(runtime), ...(options.modules?.(runtime) ?? [])] })
  class RootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(RootModule, new FastifyAdapter(), {
    logger: new PinoNestLogger(logger),
  });
  instrumentHttp(app, runtime);
  app.connectMicroservice<MicroserviceOptions>(
    natsMicroserviceOptions({ servers: config.NATS_URL, queue: name, name: `llmlab-${name}-rpc` }),
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HOST);
  await startRelay(runtime);
  if (options.afterStart) await options.afterStart(runtime);
  logger.info({ port: config.HTTP_PORT, instance: runtime.instance }, `${name} ready`);

  installShutdown(runtime, logger, () => app.close());
  return runtime;
}

/**
 * Every service runs a relay; the PostgreSQL advisory lock makes exactly one of them active and the others
 * standbys, so events keep flowing to JetStream as long as any service is up.
 */
async function startRelay(runtime: ServiceRuntime) {
  const topology = await ensureStreams(await jetstreamManager(runtime.nats), {
    prefix: runtime.config.NATS_PREFIX || undefined,
    replicas: runtime.config.NATS_STREAM_REPLICAS,
  });
  runtime.topology = topology;
  const relay = new EventRelay({
    store: runtime.eventStore,
    databaseUrl: runtime.config.DATABASE_URL,
    js: jetstream(runtime.nats),
    topology,
  });
  relay.start();
  runtime.onShutdown({ name: 'event relay', stop: () => relay.stop() });
}

export function instrumentHttp(app: NestFastifyApplication, runtime: { metrics: ServiceRuntime['metrics'] }) {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    const labels = { method: req.method, route };
    runtime.metrics.httpRequests.inc({ ...labels, status: String(reply.statusCode) });
    runtime.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
}

/**
 * SIGTERM/SIGINT: stop taking work (readiness turns 503, new NATS requests are refused so the queue group sends
 * them to another replica), stop relays and consumers after their in-flight messages, wait for in-flight
 * requests to reply, close NestJS, then the connections. A second signal or the timeout forces exit 1.
 */
export function installShutdown(
  runtime: Pick<ServiceRuntime, 'shuttingDown' | 'stopComponents' | 'waitUntilIdle' | 'closeConnections' | 'config'>,
  logger: Logger,
  closeApp: () => Promise<void>,
) {
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    started = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: runtime.config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
      process.exit(1);
    }, runtime.config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    runtime.shuttingDown = true;
    await runtime.stopComponents();
    await runtime.waitUntilIdle();
    await closeApp();
    await runtime.closeConnections();
    logger.info('stopped');
    logger.flush?.();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
