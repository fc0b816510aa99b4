import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstream, jetstreamManager, type PubAck } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Provider } from '@pydantic/genai-prices';
import { Client } from 'pg';
import {
  INGEST_USAGE_SUBJECT,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
  type Reply,
  type Subject,
  type UsageBatchAccepted,
} from '@llmlab/contracts';
import { configHelpers, domainServiceEnv, loadConfig, z } from '@llmlab/config';
import { createLogger } from '@llmlab/logging';
import {
  createMessagingClient,
  ensureStreams,
  EventRelay,
  natsMicroserviceOptions,
  natsSubject,
  type MessagingClient,
  type StreamTopology,
} from '@llmlab/messaging';
import { ServiceKitModule, ServiceRuntime, type DomainServiceConfig } from '@llmlab/service-kit';
import { createTestDatabase, testEnv, uniqueSuffix, type TestDatabase } from '@llmlab/testing';
import type { IngestionCore } from '../src/ingestion.core';
import type { PriceDataSource } from '../src/price-catalog/price-catalog.handler';

export interface HarnessOptions {
  /** Extra environment of the service (ingestion variables). */
  env?: Record<string, string>;
  /** The genai-prices data a refresh reads; the bundled snapshot when absent. */
  loadProviders?: (source: PriceDataSource) => Promise<readonly Provider[]>;
}

/**
 * The ingestion service in this process, as `main.ts` boots it (service kit, relay, NATS handlers, consumers,
 * repricer) on a fresh database and its own NATS prefix, so test files run in parallel without meeting.
 */
export class IngestionHarness {
  private constructor(
    readonly db: TestDatabase,
    readonly prefix: string,
    readonly runtime: ServiceRuntime,
    readonly core: IngestionCore,
    readonly topology: StreamTopology,
    private readonly app: NestFastifyApplication,
    private readonly client: MessagingClient,
    readonly sql: Client,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<IngestionHarness> {
    const db = await createTestDatabase();
    const prefix = `ing${uniqueSuffix(4)}`;
    // Handlers name their subjects when their module is loaded, so the prefix is set before it is required.
    process.env.NATS_PREFIX = prefix;
    const { ingestionEnv } = require('../src/ingestion.config') as typeof import('../src/ingestion.config');
    const { IngestionCore } = require('../src/ingestion.core') as typeof import('../src/ingestion.core');
    const { IngestionModule } = require('../src/ingestion.module') as typeof import('../src/ingestion.module');

    const config = loadConfig(
      { ...domainServiceEnv, HTTP_PORT: configHelpers.port(0), HOST: z.string().default('127.0.0.1'), ...ingestionEnv },
      {
        DATABASE_URL: db.url,
        NATS_URL: testEnv.natsUrl,
        REDIS_URL: testEnv.redisUrl,
        NATS_PREFIX: prefix,
        REPRICE_INTERVAL_MS: '100',
        PRICING_POLL_INTERVAL_MS: '500',
        OVERRIDES_CACHE_TTL_MS: '200',
        CONSUMER_ACK_WAIT_MS: '5000',
        ...options.env,
      },
    ) as DomainServiceConfig;
    const logger = createLogger({ service: 'ingestion', level: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' });
    const runtime = await ServiceRuntime.connect('ingestion', config, logger);
    const topology = await ensureStreams(await jetstreamManager(runtime.nats), { prefix });
    runtime.topology = topology;
    const relay = new EventRelay({ store: runtime.eventStore, databaseUrl: db.url, js: jetstream(runtime.nats), topology });
    relay.start();
    runtime.onShutdown({ name: 'event relay', stop: () => relay.stop() });

    const core = new IngestionCore(runtime, { loadProviders: options.loadProviders });
    @Module({ imports: [ServiceKitModule.forRoot(runtime), IngestionModule.forRoot(core)] })
    class TestModule {}
    const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
    app.connectMicroservice<MicroserviceOptions>(
      natsMicroserviceOptions({ servers: testEnv.natsUrl, queue: `${prefix}-ingestion`, gracePeriodMs: 100 }),
      {
        inheritAppConfig: true,
      },
    );
    await app.startAllMicroservices();
    await app.init();
    await core.start();

    const client = createMessagingClient({ servers: testEnv.natsUrl, defaultTimeoutMs: 10_000 });
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    return new IngestionHarness(db, prefix, runtime, core, topology, app, client, sql);
  }

  /** A request as the gateway sends it; resolves with the reply, whatever it is. */
  reply<S extends Subject<unknown, unknown>>(
    subject: S,
    payload: RequestOf<S>,
    context: Partial<RequestContext> = {},
  ): Promise<Reply<ResponseOf<S>>> {
    return this.client.request({ subject: natsSubject(subject) } as S, payload, { correlationId: `test-${uniqueSuffix(3)}`, ...context });
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

  /** Publishes a batch exactly as the gateway does: one message on INGEST, the batch id as Nats-Msg-Id. */
  publish(batch: UsageBatchAccepted | Record<string, unknown>, msgID = String(batch.batchId)): Promise<PubAck> {
    return jetstream(this.runtime.nats).publish(this.topology.subject(INGEST_USAGE_SUBJECT), JSON.stringify(batch), { msgID });
  }

  async count(query: string, params: unknown[] = []): Promise<number> {
    const { rows } = await this.sql.query<{ n: string }>(query, params);
    return Number(rows[0].n);
  }

  /** Waits until `check` holds (the projection and the repricer work in the background). */
  async until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the projection has applied every ingestion event appended so far and the repricer is idle. */
  async settled(timeoutMs = 20_000): Promise<void> {
    await this.until(
      async () => {
        const last = await this.count(`SELECT coalesce(max(position), 0) AS n FROM event_store.events WHERE stream_id LIKE 'ingestion.%'`);
        const applied = await this.count(
          `SELECT coalesce(max(position), 0) AS n FROM ingestion.projection_checkpoints WHERE projection = 'usage'`,
        );
        const pending = await this.count(
          'SELECT (SELECT count(*) FROM ingestion.reprice_jobs WHERE done_at IS NULL) + (SELECT count(*) FROM ingestion.reprice_queue) AS n',
        );
        return applied >= last && pending === 0;
      },
      'the projection and the repricer to settle',
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    await this.runtime.stopComponents();
    await this.app.close();
    await this.client.close();
    await this.sql.end();
    await this.runtime.closeConnections();
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
