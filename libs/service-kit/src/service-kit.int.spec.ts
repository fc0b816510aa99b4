import { Controller, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { defineSubject, healthSubject, type RequestEnvelope } from '@llmlab/contracts';
import { domainServiceEnv, loadConfig, configHelpers, z } from '@llmlab/config';
import type { EventStore } from '@llmlab/event-store';
import { createLogger } from '@llmlab/logging';
import { createMessagingClient, handleRequest, MessagingClient, natsMicroserviceOptions, natsSubject } from '@llmlab/messaging';
import { createTestDatabase, testEnv, TestDatabase, uniqueSuffix } from '@llmlab/testing';
import { metadataFromContext } from './event-metadata';
import { DomainServiceConfig, ServiceRuntime } from './runtime';
import { ServiceKitModule } from './service-kit.module';
import { EVENT_STORE } from './tokens';

const prefix = `sk${uniqueSuffix(3)}`;
const appendSubject = defineSubject<{ id: string }, { position: number }>('audit.cmd.test-append');
/** The same subject as a caller in this deployment names it on the wire. */
const appendOnWire = { subject: natsSubject(appendSubject, prefix) } as typeof appendSubject;

@Controller()
class AppendController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @MessagePattern(appendSubject.subject)
  append(envelope: RequestEnvelope<{ id: string }>) {
    return handleRequest(appendSubject, envelope, async ({ id }) => {
      const result = await this.store.appendToStream(
        `audit.probe-${id}`,
        [{ type: 'ProbeRecorded', data: { id }, metadata: metadataFromContext() }],
        { expectedRevision: 'no_stream' },
      );
      return { position: result.lastPosition };
    });
  }
}

// The service kit end to end on real PostgreSQL, NATS and Redis: the caller's context reaches the handler and
// the events it appends, health answers over NATS, and a service that is shutting down refuses new work.
describe('service kit', () => {
  let db: TestDatabase;
  let runtime: ServiceRuntime;
  let app: NestFastifyApplication;
  let client: MessagingClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig(
      { ...domainServiceEnv, HTTP_PORT: configHelpers.port(0), HOST: z.string().default('127.0.0.1') },
      { DATABASE_URL: db.url, NATS_URL: testEnv.natsUrl, REDIS_URL: testEnv.redisUrl, NATS_PREFIX: prefix },
    ) as DomainServiceConfig;
    runtime = await ServiceRuntime.connect('audit', config, createLogger({ service: 'audit', level: 'silent' }));

    @Module({ imports: [ServiceKitModule.forRoot(runtime)], controllers: [AppendController] })
    class TestModule {}
    app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
    app.connectMicroservice<MicroserviceOptions>(
      natsMicroserviceOptions({ servers: testEnv.natsUrl, queue: `${prefix}-audit`, prefix, gracePeriodMs: 100 }),
      {
        inheritAppConfig: true,
      },
    );
    await app.startAllMicroservices();
    await app.init();
    client = createMessagingClient({ servers: testEnv.natsUrl, defaultTimeoutMs: 3000 });
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await runtime?.closeConnections();
    await db?.drop();
  });

  it('carries the caller context into the metadata of appended events', async () => {
    const id = uniqueSuffix();
    const context = {
      correlationId: 'corr-' + id,
      actor: { type: 'user' as const, id: 'user-1' },
      organizationId: 'org-1',
      ip: '203.0.113.7',
      userAgent: 'kit-test/1.0',
    };
    const reply = await client.request(appendOnWire, { id }, context);
    expect(reply.ok).toBe(true);

    const [event] = await runtime.eventStore.readStream(`audit.probe-${id}`);
    expect(event.metadata).toEqual({
      correlationId: 'corr-' + id,
      actor: { type: 'user', id: 'user-1' },
      organizationId: 'org-1',
      ip: '203.0.113.7',
      userAgent: 'kit-test/1.0',
    });
  });

  it('answers health over NATS with its dependencies', async () => {
    const reply = await client.request({ subject: `${prefix}.${healthSubject('audit').subject}` }, {}, { correlationId: 'h' });
    expect(reply).toMatchObject({ ok: true, data: { service: 'audit', ready: true } });
    if (!reply.ok) throw new Error('unreachable');
    expect((reply.data as { dependencies: { name: string; up: boolean }[] }).dependencies.map((d) => [d.name, d.up])).toEqual([
      ['postgres', true],
      ['nats', true],
      ['redis', true],
    ]);
  });

  it('refuses new requests once shutting down, and reports not ready', async () => {
    runtime.shuttingDown = true;
    try {
      const reply = await client.request(appendOnWire, { id: uniqueSuffix() }, { correlationId: 'late' });
      expect(reply).toEqual({ ok: false, error: expect.objectContaining({ code: 'SHUTTING_DOWN' }) });
      expect((await runtime.health()).ready).toBe(false);
    } finally {
      runtime.shuttingDown = false;
    }
  });
});
