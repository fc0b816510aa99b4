import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import {
  ingestionStreams,
  type RecordedEvent,
  type Reply,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
  type Subject,
  type UsageRecordedData,
  type UsageRepricedData,
} from '@llmlab/contracts';
import { configHelpers, domainServiceEnv, loadConfig, z } from '@llmlab/config';
import { MasterKeyRing } from '@llmlab/crypto';
import { createLogger } from '@llmlab/logging';
import {
  createMessagingClient,
  ensureStreams,
  EventRelay,
  natsMicroserviceOptions,
  natsSubject,
  type MessagingClient,
} from '@llmlab/messaging';
import { ServiceKitModule, ServiceRuntime, type DomainServiceConfig } from '@llmlab/service-kit';
import { createTestDatabase, testEnv, uniqueSuffix, type TestDatabase } from '@llmlab/testing';
import type { AlertsCore } from '../src/alerts.core';

export interface HarnessOptions {
  /** Extra environment of the service (alerts variables). */
  env?: Record<string, string>;
  /** Another harness whose database and NATS prefix this one shares: a second replica of the same service. */
  replicaOf?: AlertsHarness;
}

export const TEST_MASTER_KEY = randomBytes(32).toString('base64');

/**
 * The alerts service in this process, as `main.ts` boots it (service kit, relay, NATS handlers, projections,
 * evaluation schedule, delivery consumer), on a fresh database and its own NATS prefix, so test files run in
 * parallel without meeting. Usage comes in as the ingestion service writes it: events appended to the store,
 * which the relay publishes to EVENTS.
 */
export class AlertsHarness {
  private constructor(
    readonly db: TestDatabase,
    readonly prefix: string,
    readonly runtime: ServiceRuntime,
    readonly core: AlertsCore,
    private readonly app: NestFastifyApplication,
    private readonly client: MessagingClient,
    readonly sql: Client,
    private readonly ownsDatabase: boolean,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<AlertsHarness> {
    const db = options.replicaOf?.db ?? (await createTestDatabase());
    const prefix = options.replicaOf?.prefix ?? `al${uniqueSuffix(4)}`;
    // Handlers name their subjects when their module is loaded, so the prefix is set before it is imported.
    process.env.NATS_PREFIX = prefix;
    const { alertsEnv } = require('../src/alerts.config') as typeof import('../src/alerts.config');
    const { AlertsCore } = require('../src/alerts.core') as typeof import('../src/alerts.core');
    const { AlertsModule } = require('../src/alerts.module') as typeof import('../src/alerts.module');

    const config = loadConfig(
      { ...domainServiceEnv, HTTP_PORT: configHelpers.port(0), HOST: z.string().default('127.0.0.1'), ...alertsEnv },
      {
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        NATS_URL: testEnv.natsUrl,
        REDIS_URL: testEnv.redisUrl,
        NATS_PREFIX: prefix,
        MASTER_ENCRYPTION_KEY: TEST_MASTER_KEY,
        // Tests tick by hand unless they say otherwise.
        ALERTS_EVALUATION_INTERVAL_MS: '3600000',
        ALERTS_EVALUATION_DEBOUNCE_MS: '100',
        ALERTS_DELIVERY_ACK_WAIT_MS: '5000',
        ALERTS_DELIVERY_BASE_DELAY_MS: '100',
        ALERTS_OUTBOUND_TIMEOUT_MS: '3000',
        ...options.env,
      },
    ) as DomainServiceConfig;
    const logger = createLogger({ service: 'alerts', level: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' });
    const runtime = await ServiceRuntime.connect('alerts', config, logger);
    const topology = await ensureStreams(await jetstreamManager(runtime.nats), { prefix });
    runtime.topology = topology;
    const relay = new EventRelay({ store: runtime.eventStore, databaseUrl: db.url, js: jetstream(runtime.nats), topology });
    relay.start();
    runtime.onShutdown({ name: 'event relay', stop: () => relay.stop() });

    const core = new AlertsCore(runtime, MasterKeyRing.of(Buffer.from(TEST_MASTER_KEY, 'base64')));
    @Module({ imports: [ServiceKitModule.forRoot(runtime), AlertsModule.forRoot(core)] })
    class TestModule {}
    const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
    app.connectMicroservice<MicroserviceOptions>(
      natsMicroserviceOptions({ servers: testEnv.natsUrl, queue: `${prefix}-alerts`, gracePeriodMs: 100 }),
      {
        inheritAppConfig: true,
      },
    );
    await app.startAllMicroservices();
    await app.init();
    await core.start();

    const client = createMessagingClient({ servers: testEnv.natsUrl, defaultTimeoutMs: 15_000 });
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    return new AlertsHarness(db, prefix, runtime, core, app, client, sql, !options.replicaOf);
  }

  /** A request as the gateway sends it; resolves with the reply, whatever it is. */
  reply<S extends Subject<unknown, unknown>>(
    subject: S,
    payload: RequestOf<S>,
    context: Partial<RequestContext> = {},
  ): Promise<Reply<ResponseOf<S>>> {
    return this.client.request({ subject: natsSubject(subject, this.prefix) } as S, payload, {
      correlationId: `test-${uniqueSuffix(3)}`,
      ...context,
    });
  }

  /** A request that must succeed. */
  async request<S extends Subject<unknown, unknown>>(
    subject: S,
    payload: RequestOf<S>,
    context: Partial<RequestContext> = {},
  ): Promise<ResponseOf<S>> {
    const reply = await this.reply(subject, payload, context);
    if (!reply.ok) throw new Error(`${subject.subject} failed: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }

  /** Appends usage as the ingestion service does: the relay publishes it to EVENTS, where the spend projection reads it. */
  async appendUsage(data: UsageRecordedData): Promise<void> {
    await this.runtime.eventStore.appendToStream(
      ingestionStreams.usage(data.projectId),
      [
        {
          type: 'UsageRecorded',
          data,
          metadata: { actor: { type: 'api_key', id: data.apiKeyId }, organizationId: data.organizationId, correlationId: 'usage' },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  async appendRepricing(data: UsageRepricedData): Promise<void> {
    await this.runtime.eventStore.appendToStream(
      ingestionStreams.usage(data.projectId),
      [
        {
          type: 'UsageRepriced',
          data,
          metadata: { actor: { type: 'system', id: 'ingestion' }, organizationId: data.organizationId, correlationId: 'reprice' },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  async rows<T extends Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await this.sql.query<T>(query, params)).rows;
  }

  async count(query: string, params: unknown[] = []): Promise<number> {
    const [row] = await this.rows<{ n: string }>(query, params);
    return Number(row.n);
  }

  /** Events of one type in the store, oldest first. */
  async events<T = unknown>(type: string): Promise<RecordedEvent<string, T>[]> {
    const rows = await this.rows<{ position: string }>('SELECT position FROM event_store.events WHERE type = $1 ORDER BY position', [type]);
    const events: RecordedEvent<string, T>[] = [];
    for (const row of rows) {
      const [event] = await this.runtime.eventStore.readAll({ fromPosition: Number(row.position) - 1, maxCount: 1 });
      events.push(event as RecordedEvent<string, T>);
    }
    return events;
  }

  /** Waits until `check` holds (projections, evaluation and delivery run in the background). */
  async until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the spend and read-model projections have applied every event appended so far. */
  async settled(timeoutMs = 20_000): Promise<void> {
    const last = (context: string) =>
      this.count(`SELECT coalesce(max(position), 0) AS n FROM event_store.events WHERE stream_id LIKE $1`, [`${context}.%`]);
    const applied = (projection: string) =>
      this.count(`SELECT coalesce(max(position), 0) AS n FROM alerts.projection_checkpoints WHERE projection = $1`, [projection]);
    await this.until(
      async () => (await applied('spend')) >= (await last('ingestion')) && (await applied('read-models')) >= (await last('alerts')),
      'the projections to catch up',
      timeoutMs,
    );
  }

  /** One evaluation tick now (forecast, anomaly, resolution), after the projections caught up. */
  async tick(): Promise<void> {
    await this.settled();
    // A tick already running, here or on a replica, refuses a second one: wait for a turn.
    await this.until(() => this.core.scheduler!.tick(), 'a turn to tick');
    await this.settled();
  }

  async stop(): Promise<void> {
    await this.runtime.stopComponents();
    await this.app.close();
    await this.client.close();
    await this.sql.end();
    await this.runtime.closeConnections();
    if (!this.ownsDatabase) return;
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: testEnv.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names()) if (name.endsWith(`_${this.prefix}`)) await jsm.streams.delete(name);
    } finally {
      await nc.close();
    }
    delete process.env.NATS_PREFIX;
    await this.db.drop();
  }
}
