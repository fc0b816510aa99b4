import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { type RequestContext, type UsageBatchAccepted } from '@llmlab/contracts';
import { loadConfig } from '@llmlab/config';
import { createLogger } from '@llmlab/logging';
import { ensureStreams, type StreamTopology } from '@llmlab/messaging';
import { testEnv, uniqueSuffix, usageEvent } from '@llmlab/testing';
import { gatewayEnv } from '../src/gateway.config';
import { GatewayProblem } from '../src/http/problem';
import { UsageIngestService } from '../src/usage/usage-ingest.service';

const WAIT_MS = 300;

// The ingest path of the gateway on the real NATS (JetStream) and Redis: what is published, what is called a
// duplicate, and what happens when a concurrent request holds an id or JetStream does not answer.
describe('UsageIngestService', () => {
  const prefix = `ingw${uniqueSuffix(4)}`;
  let nats: NatsConnection;
  let jsm: JetStreamManager;
  let redis: Redis;
  let topology: StreamTopology;
  let service: UsageIngestService;
  const logger = createLogger({ service: 'gateway', level: 'silent' });
  const caller = (): RequestContext => ({
    correlationId: `req-${uniqueSuffix(3)}`,
    actor: { type: 'api_key', id: uuidv7() },
    organizationId: uuidv7(),
    projectId: uuidv7(),
  });
  const serviceOn = (natsPrefix: string, client: Redis, env: Record<string, string> = {}) =>
    new UsageIngestService(
      nats,
      client,
      loadConfig(gatewayEnv, {
        NATS_PREFIX: natsPrefix,
        INGEST_INFLIGHT_WAIT_MS: String(WAIT_MS),
        INGEST_PUBLISH_TIMEOUT_MS: '1000',
        ...env,
      }),
      logger,
    );
  const seenKey = (ctx: RequestContext, id: unknown) => `llmlab:${prefix}:usage-seen:{${ctx.projectId}}:${String(id)}`;
  const messages = async (): Promise<UsageBatchAccepted[]> => {
    const { state } = await jsm.streams.info(topology.ingest.name);
    const out: UsageBatchAccepted[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(topology.ingest.name, { seq });
      if (msg) out.push(msg.json<UsageBatchAccepted>());
    }
    return out;
  };
  const lastMessage = async () => (await messages()).at(-1)!;

  beforeAll(async () => {
    nats = await connect({ servers: testEnv.natsUrl });
    jsm = await jetstreamManager(nats);
    topology = await ensureStreams(jsm, { prefix });
    redis = new Redis(testEnv.redisUrl);
    service = serviceOn(prefix, redis);
  });
  afterAll(async () => {
    for (const ref of [topology.events, topology.ingest, topology.deadLetter]) await jsm.streams.delete(ref.name).catch(() => undefined);
    const keys = await redis.keys(`llmlab:${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await nats.close();
  });

  it("publishes one UsageBatchAccepted per request, on the caller's project, with the batch id as message id", async () => {
    const ctx = caller();
    const events = [
      usageEvent({ timestamp: '2099-01-01T00:00:00Z' }),
      usageEvent(),
      usageEvent({ timestamp: new Date(Date.now() - 1000).toISOString().replace('Z', '+00:00') }),
    ];
    const result = await service.ingest({ events }, ctx);
    expect(result).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [{ index: 0, id: events[0].id, errors: [expect.objectContaining({ field: '/events/0/timestamp' })] }],
    });
    const message = await lastMessage();
    expect(message).toEqual({
      batchId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/),
      organizationId: ctx.organizationId,
      projectId: ctx.projectId,
      apiKeyId: ctx.actor!.id,
      receivedAt: expect.any(String),
      correlationId: ctx.correlationId,
      events: [
        expect.objectContaining({ id: events[1].id }),
        expect.objectContaining({ id: events[2].id, timestamp: expect.stringMatching(/Z$/) }),
      ],
    });
    const stored = await jsm.streams.getMessage(topology.ingest.name, { last_by_subj: topology.subject('ingest.usage') });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(message.batchId);
    expect(await redis.get(seenKey(ctx, events[1].id))).toBe('acked');
    expect(await redis.ttl(seenKey(ctx, events[1].id))).toBeGreaterThan(35 * 86_400);
  });

  it('publishes nothing for ids already accepted, and counts them as duplicates', async () => {
    const ctx = caller();
    const events = [usageEvent(), usageEvent()];
    await service.ingest({ events }, ctx);
    const before = (await messages()).length;
    expect(await service.ingest({ events }, ctx)).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    expect((await messages()).length).toBe(before);
    // Another project may use the same ids.
    expect((await service.ingest({ events }, caller())).accepted).toBe(2);
  });

  it('publishes an id another request still holds once the wait is over, and calls it accepted, never a duplicate', async () => {
    const ctx = caller();
    const event = usageEvent();
    await redis.set(seenKey(ctx, event.id), 'inflight:someone-else', 'EX', 30);
    const started = Date.now();
    expect(await service.ingest({ events: [event] }, ctx)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 10);
    expect((await lastMessage()).events.map((e) => e.id)).toEqual([event.id]);
    expect(await redis.get(seenKey(ctx, event.id))).toBe('acked');
  });

  it('calls an id a duplicate once the request holding it is acknowledged, and takes it over once released', async () => {
    const ctx = caller();
    const [acked, released] = [usageEvent(), usageEvent()];
    await redis.set(seenKey(ctx, acked.id), 'inflight:other', 'EX', 30);
    await redis.set(seenKey(ctx, released.id), 'inflight:other', 'EX', 30);
    setTimeout(() => void redis.set(seenKey(ctx, acked.id), 'acked', 'EX', 60), 50);
    setTimeout(() => void redis.del(seenKey(ctx, released.id)), 80);
    const started = Date.now();
    expect(await service.ingest({ events: [acked, released] }, ctx)).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(Date.now() - started).toBeLessThan(WAIT_MS);
    expect((await lastMessage()).events.map((e) => e.id)).toEqual([released.id]);
  });

  it('answers 503 with Retry-After when JetStream does not acknowledge, and frees its claims for the retry', async () => {
    const ctx = caller();
    const event = usageEvent();
    // A prefix with no INGEST stream: nobody answers the publish.
    const orphan = serviceOn(`${prefix}x`, redis);
    const refusal = await orphan.ingest({ events: [event] }, ctx).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(GatewayProblem);
    expect(refusal).toMatchObject({ status: 503, code: 'INGEST_UNAVAILABLE', headers: { 'Retry-After': '2' } });
    expect(await redis.exists(`llmlab:${prefix}x:usage-seen:{${ctx.projectId}}:${String(event.id)}`)).toBe(0);
    expect(await orphan.ingest({ events: [event] }, ctx).catch(() => 'refused again')).toBe('refused again');
  });

  it('publishes everything, duplicates included, when Redis is unreachable: the hint is optional', async () => {
    const down = new Redis(testEnv.redisUrl, { lazyConnect: true, enableOfflineQueue: false });
    await down.connect();
    await down.quit();
    const blind = serviceOn(prefix, down);
    const ctx = caller();
    const event = usageEvent();
    expect(await blind.ingest({ events: [event] }, ctx)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await blind.ingest({ events: [event] }, ctx)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('refuses more than 1,000 events with 413 and a malformed body with 400', async () => {
    await expect(service.ingest({ events: Array.from({ length: 1001 }, () => usageEvent()) }, caller())).rejects.toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    await expect(service.ingest({ items: [] }, caller())).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: '/items' }],
    });
  });
});
