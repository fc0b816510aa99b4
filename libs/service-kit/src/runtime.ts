import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Pool } from 'pg';
import type { DomainServiceName, ServiceHealth } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { createEventStore } from '@llmlab/event-store';
import { handlePoolErrors } from '@llmlab/persistence';
import { Metrics, Probe, probes, runProbes } from '@llmlab/health';
import type { StreamTopology } from '@llmlab/messaging';

export interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

export interface DomainServiceConfig {
  NODE_ENV: string;
  LOG_LEVEL: string;
  NATS_URL: string;
  REDIS_URL: string;
  NATS_PREFIX: string;
  SHUTDOWN_TIMEOUT_MS: number;
  DATABASE_URL: string;
  MIGRATE_ON_START: boolean;
  EVENTSTORE_CONNECTION_STRING?: string;
  NATS_STREAM_REPLICAS: number;
  HTTP_PORT: number;
  HOST: string;
}

/**
 * Everything a domain service process holds open: its connections, its metrics, and the components to stop on
 * shutdown. Created before NestJS boots, so configuration and dependencies fail fast with a clear message.
 */
export class ServiceRuntime<C extends DomainServiceConfig = DomainServiceConfig> {
  readonly instance = randomUUID();
  readonly startedAt = Date.now();
  readonly metrics: Metrics;
  shuttingDown = false;
  /** JetStream streams of this deployment (prefixed by NATS_PREFIX), ensured before the service's modules boot. */
  topology?: StreamTopology;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly stoppables: Stoppable[] = [];
  private readonly probes: Probe[];

  private constructor(
    readonly name: DomainServiceName,
    readonly config: C,
    readonly logger: Logger,
    readonly pool: Pool,
    readonly redis: Redis,
    readonly nats: NatsConnection,
    readonly eventStore: EventStore,
  ) {
    this.metrics = new Metrics(name);
    this.probes = [probes.postgres(pool), probes.nats(nats), probes.redis(redis)];
  }

  static async connect<C extends DomainServiceConfig>(name: DomainServiceName, config: C, logger: Logger) {
    const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10, application_name: `llmlab-${name}` });
    handlePoolErrors(pool, (err) => logger.error({ err }, 'idle PostgreSQL client failed'));
    const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    await redis.connect();
    const nats = await connect({ servers: config.NATS_URL, name: `llmlab-${name}`, maxReconnectAttempts: -1 });
    const eventStore = createEventStore({ pool, eventStoreConnectionString: config.EVENTSTORE_CONNECTION_STRING });
    return new ServiceRuntime(name, config, logger, pool, redis, nats, eventStore);
  }

  /** The JetStream streams; a worker that asks before they are ensured is a wiring bug. */
  get streams(): StreamTopology {
    if (!this.topology) throw new Error(`${this.name}: the JetStream topology is not known yet`);
    return this.topology;
  }

  /**
   * A check of the service's own beside its connections' (e.g. the audit service's chain verification): readiness
   * is down, naming it and its error, while it reports down.
   */
  addProbe(probe: Probe) {
    this.probes.push(probe);
  }

  /** Components started after boot (relay, consumers) register here and are stopped in reverse order. */
  onShutdown(stoppable: Stoppable) {
    this.stoppables.push(stoppable);
  }

  async health(): Promise<ServiceHealth> {
    const dependencies = await runProbes(this.probes);
    return {
      service: this.name,
      ready: !this.shuttingDown && dependencies.every((d) => d.up),
      instance: this.instance,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      dependencies,
    };
  }

  /** Counts a NATS request in progress, so shutdown waits for it to reply. */
  enter() {
    this.inFlight++;
  }

  leave() {
    this.inFlight--;
    if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  async waitUntilIdle(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async stopComponents() {
    for (const s of [...this.stoppables].reverse()) {
      try {
        await s.stop();
        this.logger.info({ component: s.name }, 'stopped');
      } catch (err) {
        this.logger.error({ err, component: s.name }, 'failed to stop cleanly');
      }
    }
  }

  async closeConnections() {
    await this.eventStore.close().catch((err) => this.logger.error({ err }, 'event store close failed'));
    await this.nats.drain().catch(() => undefined);
    this.redis.disconnect();
    await this.pool.end().catch(() => undefined);
  }
}
