import { setFlagsFromString } from 'node:v8';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ZodRawShape } from 'zod';
import { DEFAULT_HTTP_PORTS, type DomainServiceName } from '@llmlab/contracts';
import { ConfigError, configHelpers, domainServiceEnv, loadConfig, z } from '@llmlab/config';
import { createLogger, PinoNestLogger } from '@llmlab/logging';
import { EventRelay, ensureStreams, natsMicroserviceOptions } from '@llmlab/messaging';
import { discoverMigrationSets, migrate, repositoryRoot } from '@llmlab/persistence';
import { BACKGROUND_WORKERS, type BackgroundWorker } from './background-worker';
import { DomainServiceConfig, ServiceRuntime } from './runtime';
import { ServiceKitModule } from './service-kit.module';

/** What a domain service is: its name, its own environment variables, and its root Nest module. */
export interface DomainServiceDefinition {
  name: DomainServiceName;
  /** The service's root module: its controllers, providers and `backgroundWorkers(...)`. */
  module: Type | DynamicModule;
  /** Extra environment variables of this service, validated with the common ones. */
  env?: ZodRawShape;
}

export interface StartOptions {
  /** Where the configuration is read from: the process environment, or a test's own values. */
  env?: Record<string, string | undefined>;
  /** Nest's own log lines (bootstrap, route mapping); the service's JSON logs go through LOG_LEVEL. */
  nestLogs?: boolean;
  /** How long the NATS handlers keep answering in-flight requests after unsubscribing on shutdown (5 s). */
  natsGracePeriodMs?: number;
}

/** A domain service running in this process. */
export interface RunningDomainService {
  runtime: ServiceRuntime;
  app: NestFastifyApplication;
  /** Stops it gracefully: workers, in-flight requests, Nest, connections (no process exit). */
  stop(): Promise<void>;
}

/** The migration sets a service applies at start: the shared libraries' schemas and its own. */
function migrationSetsFor(name: DomainServiceName) {
  const root = repositoryRoot();
  return discoverMigrationSets(root).filter((s) => s.dir.startsWith(`${root}/libs/`) || s.dir.startsWith(`${root}/services/${name}/`));
}

/**
 * Starts one domain service in this process exactly as production runs it: validated configuration, migrations,
 * connections, JetStream topology, HTTP health and metrics, NATS handlers in the service's queue group (under
 * its NATS_PREFIX), the event relay, then its background workers in order. `main.ts` and the test harness both
 * come through here. Throws `ConfigError` naming the variable when the configuration is wrong.
 */
export async function startDomainService(definition: DomainServiceDefinition, options: StartOptions = {}): Promise<RunningDomainService> {
  const { name } = definition;
  const config = loadConfig(
    {
      ...domainServiceEnv,
      HTTP_PORT: configHelpers.port(DEFAULT_HTTP_PORTS[name]),
      HOST: z.string().default('0.0.0.0'),
      ...(definition.env ?? {}),
    },
    options.env ?? process.env,
  ) as DomainServiceConfig;
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });

  if (config.MIGRATE_ON_START) {
    for (const set of migrationSetsFor(name)) await migrate(config.DATABASE_URL, set, (msg) => logger.debug({ set: set.schema }, msg));
    logger.info('migrations applied');
  }

  const runtime = await ServiceRuntime.connect(name, config, logger);
  let app: NestFastifyApplication | undefined;
  try {
    runtime.topology = await ensureStreams(await jetstreamManager(runtime.nats), {
      prefix: config.NATS_PREFIX || undefined,
      replicas: config.NATS_STREAM_REPLICAS,
    });

    @Module({ imports: [ServiceKitModule.forRoot(runtime), definition.module] })
    class RootModule {}

    app = await NestFactory.create<NestFastifyApplication>(RootModule, new FastifyAdapter(), {
      logger: options.nestLogs === false ? false : new PinoNestLogger(logger),
      // Errors reach the caller (which reports them and exits, or fails the test) instead of aborting the process.
      abortOnError: false,
    });
    instrumentHttp(app, runtime);
    app.connectMicroservice(
      natsMicroserviceOptions({
        servers: config.NATS_URL,
        queue: name,
        name: `llmlab-${name}-rpc`,
        prefix: config.NATS_PREFIX,
        gracePeriodMs: options.natsGracePeriodMs,
      }),
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    await app.listen(config.HTTP_PORT, config.HOST);
    startRelay(runtime);
    await startWorkers(app, runtime);
  } catch (err) {
    // Whatever started is stopped, so a failed start leaves no consumer or connection behind.
    await stopGracefully(runtime, app);
    throw err;
  }
  logger.info({ port: config.HTTP_PORT, instance: runtime.instance }, `${name} ready`);
  const started = app;
  return { runtime, app: started, stop: () => stopGracefully(runtime, started) };
}

/**
 * `main.ts` of every domain service: starts it from the process environment and stops it gracefully on SIGTERM or
 * SIGINT. The signal handlers are in place before anything starts: a signal that arrives while the service is
 * still starting (its workers start after it answers /health) stops it as soon as the start has finished.
 * A configuration error exits 1 with one JSON line naming the variable; any other start failure too.
 */
export async function bootstrapDomainService(definition: DomainServiceDefinition): Promise<void> {
  useBaselineWasmCompiler();
  const starting = startDomainService(definition);
  installShutdown(starting);
  try {
    await starting;
  } catch (err) {
    const message =
      err instanceof ConfigError ? err.message : `${definition.name} failed to start: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(JSON.stringify({ level: 'fatal', service: definition.name, msg: message }) + '\n');
    process.exit(1);
  }
}

/**
 * Prisma's query compiler is a WebAssembly module that each service compiles at its first query. V8 compiles it
 * with its baseline compiler (Liftoff), then again with its optimizing one (TurboFan) in the background: that second
 * copy cost about 70 MiB of RSS per service and, in a mix of the services' queries, no CPU back (378 µs a query with
 * Liftoff alone against 437 over 15,000 queries; docs/benchmarks.md, "Footprint"). No other WebAssembly runs in the
 * services. Set before any module is compiled, as V8 reads it at compile time.
 */
function useBaselineWasmCompiler(): void {
  setFlagsFromString('--liftoff-only');
}

/**
 * Every service runs a relay; the PostgreSQL advisory lock makes exactly one of them active and the others
 * standbys, so events keep flowing to JetStream as long as any service is up.
 */
function startRelay(runtime: ServiceRuntime) {
  const relay = new EventRelay({
    store: runtime.eventStore,
    databaseUrl: runtime.config.DATABASE_URL,
    js: jetstream(runtime.nats),
    topology: runtime.streams,
  });
  relay.start();
  runtime.onShutdown({ name: 'event relay', stop: () => relay.stop() });
}

async function startWorkers(app: NestFastifyApplication, runtime: ServiceRuntime): Promise<void> {
  let workers: BackgroundWorker[] = [];
  try {
    // Through the module reference, not app.get: the application's proxy logs a lookup that fails as an error.
    workers = app.get(ModuleRef).get<BackgroundWorker[]>(BACKGROUND_WORKERS, { strict: false });
  } catch {
    // A service without background work declares none.
  }
  for (const worker of workers) {
    await worker.start();
    runtime.onShutdown({ name: worker.name, stop: () => worker.stop() });
  }
}

async function stopGracefully(runtime: ServiceRuntime, app: NestFastifyApplication | undefined): Promise<void> {
  runtime.shuttingDown = true;
  await runtime.stopComponents();
  await runtime.waitUntilIdle();
  await app?.close();
  await runtime.closeConnections();
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
function installShutdown(starting: Promise<RunningDomainService>) {
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) process.exit(1);
    started = true;
    let service: RunningDomainService;
    try {
      service = await starting;
    } catch {
      return; // bootstrapDomainService reports the failed start and exits 1.
    }
    const { logger, config } = service.runtime;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    await service.stop();
    logger.info('stopped');
    logger.flush?.();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
