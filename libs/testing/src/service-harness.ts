import type { Provider, Type } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import {
  ingestionStreams,
  type RecordedEvent,
  type Reply,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
  type Subject,
  type TracesEvaluatedData,
  type UsageDetailExpiredData,
  type UsageRecordedData,
  type UsageRepricedData,
} from '@llmlab/contracts';
import { createMessagingClient, natsSubject, openChunkStream, readWholeStream, type MessagingClient } from '@llmlab/messaging';
import { startDomainService, type DomainServiceDefinition, type RunningDomainService } from '@llmlab/service-kit';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testEnv, uniqueSuffix } from './test-env';

export interface ServiceHarnessOptions {
  /** The service's own environment for this test (its variables; the connections are the harness's). */
  env?: Record<string, string>;
  /** Providers that replace the module's own (a test's data source, say); prefer real components. */
  providers?: Provider[];
  /** Another harness whose database and NATS prefix this one shares: a second replica of the same service. */
  replicaOf?: ServiceHarness;
}

/**
 * A domain service started in this process exactly as its `main.ts` starts it (`startDomainService`: config,
 * connections, streams, NATS handlers, relay, background workers), on a fresh database and a NATS prefix of its
 * own, so test files run in parallel without meeting. Requests go over real NATS as the gateway sends them. Each
 * service's harness extends it (`services/<name>/test/<name>.harness.ts`) with what its tests add.
 */
/** What `ServiceHarness.launch` started; a service's own harness passes it to the constructor. */
export interface LaunchedService {
  db: TestDatabase;
  prefix: string;
  service: RunningDomainService;
  client: MessagingClient;
  sql: Client;
  owner: boolean;
}

export class ServiceHarness {
  readonly db: TestDatabase;
  readonly prefix: string;
  readonly sql: Client;
  private readonly service: RunningDomainService;
  private readonly client: MessagingClient;
  private readonly owner: boolean;

  /** A service's harness extends this class: `class AlertsHarness extends ServiceHarness`, made from `launch(...)`. */
  protected constructor(launched: LaunchedService) {
    ({ db: this.db, prefix: this.prefix, sql: this.sql, service: this.service, client: this.client, owner: this.owner } = launched);
  }

  protected static async launch(definition: DomainServiceDefinition, options: ServiceHarnessOptions = {}): Promise<LaunchedService> {
    const db = options.replicaOf?.db ?? (await createTestDatabase());
    const prefix = options.replicaOf?.prefix ?? `${definition.name.replace(/[^a-z]/g, '').slice(0, 4)}${uniqueSuffix(4)}`;
    const module = options.providers?.length
      ? { ...('module' in definition.module ? definition.module : { module: definition.module }), providers: options.providers }
      : definition.module;
    let service: RunningDomainService;
    try {
      service = await startDomainService(
        { ...definition, module },
        {
          nestLogs: false,
          natsGracePeriodMs: 100,
          env: {
            NODE_ENV: 'test',
            LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
            DATABASE_URL: db.url,
            NATS_URL: testEnv.natsUrl,
            REDIS_URL: testEnv.redisUrl,
            NATS_PREFIX: prefix,
            MIGRATE_ON_START: 'false',
            HTTP_PORT: '0',
            HOST: '127.0.0.1',
            ...options.env,
          },
        },
      );
    } catch (err) {
      if (!options.replicaOf) await db.drop();
      throw err;
    }
    const client = createMessagingClient({ servers: testEnv.natsUrl, defaultTimeoutMs: 15_000 });
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    return { db, prefix, service, client, sql, owner: !options.replicaOf };
  }

  get runtime() {
    return this.service.runtime;
  }

  /** A provider of the running service, e.g. `h.get(RuleEvaluator)` to drive it directly. */
  get<T>(token: Type<T> | string | symbol): T {
    return this.service.app.get<T>(token, { strict: false });
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

  /** The whole answer of a chunk-stream subject (libs/messaging), or the error it was refused or failed with. */
  async streamed<S extends Subject<unknown, Uint8Array>>(
    subject: S,
    payload: RequestOf<S>,
    context: Partial<RequestContext> = {},
  ): Promise<Reply<Buffer>> {
    const reply = await openChunkStream<S>(this.runtime.nats, natsSubject(subject, this.prefix), payload, {
      correlationId: `test-${uniqueSuffix(3)}`,
      ...context,
    });
    if (!reply.ok) return reply;
    const whole = await readWholeStream(reply.data);
    return whole.ok ? { ok: true, data: Buffer.concat(whole.data) } : whole;
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

  /** Waits until `check` holds (projections and workers run in the background). */
  /** Appends usage as the ingestion service does: the relay publishes it to EVENTS, where the service's projections read it. */
  async appendUsage(data: UsageRecordedData): Promise<void> {
    await this.runtime.eventStore.appendToStream(
      ingestionStreams.usage(data.projectId),
      [
        {
          type: 'UsageRecorded',
          data,
          metadata: {
            actor: data.apiKeyId !== null ? { type: 'api_key', id: data.apiKeyId } : { type: 'system', id: 'usage-import' },
            organizationId: data.organizationId,
            correlationId: 'usage',
          },
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

  /** Appends a retention run's record as the ingestion service's maintenance does. */
  async appendUsageExpired(data: UsageDetailExpiredData): Promise<void> {
    await this.runtime.eventStore.appendToStream(
      ingestionStreams.usageExpiry(data.organizationId),
      [
        {
          type: 'UsageDetailExpired',
          data,
          metadata: {
            actor: { type: 'system', id: 'ingestion-retention' },
            organizationId: data.organizationId,
            correlationId: 'retention',
          },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  /** Appends the detectors' verdicts as the ingestion service's trace evaluation does. */
  async appendTracesEvaluated(data: TracesEvaluatedData): Promise<void> {
    await this.runtime.eventStore.appendToStream(
      ingestionStreams.traces(data.projectId),
      [
        {
          type: 'TracesEvaluated',
          data,
          metadata: { actor: { type: 'system', id: 'trace-evaluation' }, organizationId: data.organizationId, correlationId: 'traces' },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  async until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the projection named `projection` of `schema` has applied every event of `context` appended so far. */
  async projected(schema: string, projection: string, context: string, timeoutMs = 20_000): Promise<void> {
    await this.until(
      async () => {
        const last = await this.count(`SELECT coalesce(max(position), 0) AS n FROM event_store.events WHERE stream_id LIKE $1`, [
          `${context}.%`,
        ]);
        const applied = await this.count(
          `SELECT coalesce(max(position), 0) AS n FROM "${schema}".projection_checkpoints WHERE projection = $1`,
          [projection],
        );
        return applied >= last;
      },
      `${schema}.${projection} to apply the ${context} events`,
      timeoutMs,
    );
  }

  /** Stops the service gracefully; the harness that owns them deletes the run's streams and drops the database. */
  async stop(): Promise<void> {
    await this.service.stop();
    await this.client.close();
    await this.sql.end();
    if (!this.owner) return;
    const nc = await connect({ servers: testEnv.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names()) if (name.endsWith(`_${this.prefix}`)) await jsm.streams.delete(name);
    } finally {
      await nc.close();
    }
    await this.db.drop();
  }
}
