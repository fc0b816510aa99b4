import { randomBytes } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { ingestionStreams } from '@llmlab/contracts';
import { createApiClient, LLMLab } from '@llmlab/sdk';
import {
  createSession,
  createTestDatabase,
  eventually,
  testEnv,
  TestPlatform,
  usageEvent,
  type TestDatabase,
  type TestSession,
} from '@llmlab/testing';
import { settledRequests, summary } from './usage.helpers';

jest.setTimeout(120_000);

const DAY = 86_400_000;

// Usage through the gateway, end to end: POST /v1/usage with an API key, the JetStream ingest buffer, the
// ingestion service's pricing, ledger and projection, and the cost, usage and pricing routes reading it back.
describe('usage ingestion and cost analytics through the gateway', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let sql: Client;
  let redis: Redis;
  const operatorToken = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      env: { RATE_LIMIT_PRICING_REFRESH_PER_HOUR: '2', OPERATOR_API_TOKEN: operatorToken },
    });
    await platform.waitForReadiness(200, 60_000);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    redis = new Redis(testEnv.redisUrl);
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await sql?.end();
    await platform?.stop();
    await db?.drop();
  }, 60_000);

  const session = () => createSession(platform.gatewayUrl);
  const ingest = (s: TestSession, events: unknown[]) => s.keyAgent.post('/v1/usage', { events });
  const range = () =>
    `from=${encodeURIComponent(new Date(Date.now() - 40 * DAY).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 600_000).toISOString())}`;

  describe('ingest, then read back', () => {
    let s: TestSession;
    const events = [
      usageEvent({ userId: 'u-1', tags: { feature: 'search' }, usage: { inputTokens: 2000, outputTokens: 100, cachedInputTokens: 1024 } }),
      usageEvent({ userId: 'u-2', tags: { feature: 'chat' } }),
      usageEvent({
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        userId: 'u-1',
        tags: { feature: 'chat' },
        traceId: '=HYPERLINK("http://attacker.example")',
        status: 'error',
        errorType: 'OverloadedError',
        usage: { inputTokens: 300, outputTokens: 0 },
      }),
    ];

    beforeAll(async () => {
      s = await session();
    });

    it('answers 202 once durable and shows the events in the summary within seconds', async () => {
      const started = Date.now();
      const res = await ingest(s, events);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
      expect(res.headers.get('ratelimit-limit')).toBe('360000');

      const body = await eventually(async () => {
        const r = await summary(s.keyAgent, s.projectId);
        return r.body.current.requests === 3 ? r.body : undefined;
      }, 'the summary to count the batch');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(body.current).toMatchObject({
        requests: 3,
        errors: 1,
        unpriced: 0,
        tokens: { input: 3300, output: 300, cachedInput: 1024, total: 3600 },
      });
      expect(body.current.cost).toEqual({ amount: expect.stringMatching(/^\d+\.\d{12}$/), currency: 'USD' });
      expect(new Decimal(body.current.cost.amount).gt(0)).toBe(true);
      expect(body.previous).toMatchObject({ requests: 0, cost: { amount: '0.000000000000', currency: 'USD' } });
    });

    it('breaks the costs down by provider, model, user, tag, day and hour, and by project for the organization', async () => {
      const breakdown = async (groupBy: string) =>
        (await s.keyAgent.get(`/v1/projects/${s.projectId}/costs/breakdown?groupBy=${encodeURIComponent(groupBy)}&${range()}`)).body;
      expect((await breakdown('provider')).rows.map((r: { key: string; requests: number }) => [r.key, r.requests]).sort()).toEqual([
        ['anthropic', 1],
        ['openai', 2],
      ]);
      const models = await breakdown('model');
      expect(models.rows.map((r: { key: string }) => r.key).sort()).toEqual(['claude-haiku-4-5', 'gpt-4o-mini']);
      const users = await breakdown('user');
      expect(Object.fromEntries(users.rows.map((r: { key: string; requests: number }) => [r.key, r.requests]))).toEqual({
        'u-1': 2,
        'u-2': 1,
      });
      const tags = await breakdown('tag:feature');
      expect(Object.fromEntries(tags.rows.map((r: { key: string; requests: number }) => [r.key, r.requests]))).toEqual({
        search: 1,
        chat: 2,
      });
      expect((await breakdown('day')).rows.reduce((n: number, r: { requests: number }) => n + r.requests, 0)).toBe(3);
      expect((await breakdown('hour')).rows[0].key).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/);
      const sorted = models.rows.map((r: { cost: { amount: string } }) => new Decimal(r.cost.amount));
      expect(sorted[0].gte(sorted[1])).toBe(true);

      const org = await s.agent.get(`/v1/organizations/${s.organizationId}/costs/breakdown?groupBy=project&${range()}`);
      expect(org.status).toBe(200);
      expect(org.body.rows).toEqual([expect.objectContaining({ key: s.projectId, requests: 3 })]);
      const orgSummary = await s.agent.get(`/v1/organizations/${s.organizationId}/costs/summary?${range()}`);
      expect(orgSummary.body.current.requests).toBe(3);
    });

    it('lists the records newest first with cursor pagination and filters, their costs adding up to the summary', async () => {
      const all = await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?${range()}`);
      expect(all.status).toBe(200);
      expect(all.body.data.map((r: { id: string }) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
      const total = all.body.data.reduce((sum: Decimal, r: { cost: { amount: string } }) => sum.plus(r.cost.amount), new Decimal(0));
      expect(total.toFixed(12)).toBe((await summary(s.keyAgent, s.projectId)).body.current.cost.amount);
      const claude = all.body.data.find((r: { model: string }) => r.model === 'claude-haiku-4-5');
      expect(claude).toMatchObject({
        status: 'error',
        errorType: 'OverloadedError',
        userId: 'u-1',
        cost: { status: 'priced', currency: 'USD', priceOrigin: 'catalog' },
      });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await s.keyAgent.get(
          `/v1/projects/${s.projectId}/usage?limit=1&${range()}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.body.data).toHaveLength(1);
        seen.push(page.body.data[0].id);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.body.data.map((r: { id: string }) => r.id));

      const errors = await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?status=error&${range()}`);
      // The service's JSON text, sent as it is, with the media type of any JSON answer.
      expect(errors.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(errors.body.data.map((r: { id: string }) => r.id)).toEqual([events[2].id]);
      const byUser = await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?userId=u-2&model=gpt-4o-mini&${range()}`);
      expect(byUser.body.data.map((r: { id: string }) => r.id)).toEqual([events[1].id]);
    });

    it('exports the records as CSV and JSON Lines', async () => {
      const csv = await fetch(`${platform.gatewayUrl}/v1/projects/${s.projectId}/usage/export?format=csv&${range()}`, {
        headers: s.keyAgent.headers,
      });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="usage-${s.projectId}-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`),
      );
      const lines = (await csv.text()).trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^id,timestamp,provider,model,status,error_type,user_id,/);
      expect(lines).toHaveLength(4);
      // A value a spreadsheet would run as a formula is neutralised; the tags cell is JSON, quoted.
      const line = lines.find((l) => l.startsWith(String(events[2].id)));
      expect(line).toContain(`"'=HYPERLINK(""http://attacker.example"")"`);
      expect(line).toContain('"{""feature"":""chat""}"');

      const jsonl = await fetch(`${platform.gatewayUrl}/v1/projects/${s.projectId}/usage/export?format=jsonl&${range()}`, {
        headers: s.keyAgent.headers,
      });
      expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      const records = (await jsonl.text())
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
      expect(records.find((r) => r.id === events[2].id).traceId).toBe(events[2].traceId);
    });
  });

  describe('idempotency', () => {
    it('counts an id sent twice once and says duplicate the second time', async () => {
      const s = await session();
      const event = usageEvent();
      expect((await ingest(s, [event])).body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      expect((await ingest(s, [event])).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
      expect((await settledRequests(s.keyAgent, s.projectId, 1)).body.current.requests).toBe(1);
    });

    it('answers ten parallel resends with one accepted and nine duplicates, counted once', async () => {
      const s = await session();
      const event = usageEvent();
      const answers = await Promise.all(Array.from({ length: 10 }, () => ingest(s, [event])));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
      expect(answers.reduce((n, a) => n + a.body.accepted, 0)).toBe(1);
      expect(answers.reduce((n, a) => n + a.body.duplicates, 0)).toBe(9);
      await settledRequests(s.keyAgent, s.projectId, 1);
    });

    it('calls the same id with another body a duplicate and keeps the first', async () => {
      const s = await session();
      const event = usageEvent({ model: 'gpt-4o-mini' });
      expect((await ingest(s, [event])).body.accepted).toBe(1);
      expect((await ingest(s, [{ ...event, model: 'gpt-4o', usage: { inputTokens: 99_999, outputTokens: 1 } }])).body).toEqual({
        accepted: 0,
        duplicates: 1,
        rejected: [],
      });
      const settled = await settledRequests(s.keyAgent, s.projectId, 1);
      expect(settled.body.current.tokens.input).toBe(1000);
    });

    it('counts a repeated id inside one batch once', async () => {
      const s = await session();
      const event = usageEvent();
      expect((await ingest(s, [event, { ...event, model: 'gpt-4o' }, usageEvent()])).body).toEqual({
        accepted: 2,
        duplicates: 1,
        rejected: [],
      });
      await settledRequests(s.keyAgent, s.projectId, 2);
    });

    it('still counts once when the gateway has forgotten the id: the projection is authoritative', async () => {
      const s = await session();
      const event = usageEvent();
      expect((await ingest(s, [event])).body.accepted).toBe(1);
      await settledRequests(s.keyAgent, s.projectId, 1, 10_000);
      const keys = await redis.keys(`llmlab:${platform.natsPrefix}:usage-seen:{${s.projectId}}:*`);
      expect(keys).toHaveLength(1);
      expect(await redis.ttl(keys[0])).toBeGreaterThan(35 * 86_400);
      await redis.del(...keys);
      expect((await ingest(s, [event])).body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      await settledRequests(s.keyAgent, s.projectId, 1);
      const ledger = await sql.query(`SELECT count(*)::int AS n FROM event_store.events WHERE stream_id = $1 AND type = 'UsageRecorded'`, [
        ingestionStreams.usage(s.projectId),
      ]);
      expect(ledger.rows[0].n).toBe(2);
    });
  });

  describe('validation', () => {
    let s: TestSession;
    beforeAll(async () => {
      s = await session();
    });

    it('accepts the valid events of a batch and lists the invalid ones with JSON pointers', async () => {
      const valid = [usageEvent(), usageEvent(), usageEvent()];
      const res = await ingest(s, [
        valid[0],
        usageEvent({ id: 'bad-model', model: '' }),
        valid[1],
        'junk',
        { ...valid[2], prompt: 'secret' },
        valid[2],
      ]);
      expect(res.status).toBe(202);
      expect(res.body.accepted).toBe(3);
      expect(res.body.rejected).toEqual([
        { index: 1, id: 'bad-model', errors: [{ field: '/events/1/model', message: 'must be a non-empty string' }] },
        { index: 3, errors: [{ field: '/events/3', message: 'must be an object' }] },
        { index: 4, id: valid[2].id, errors: [{ field: '/events/4/prompt', message: 'is not a known field' }] },
      ]);
      await settledRequests(s.keyAgent, s.projectId, 3);
    });

    it('refuses future and stale timestamps with the reason, and takes what is just inside the window', async () => {
      const now = Date.now();
      const future = usageEvent({ timestamp: new Date(now + 10 * 60_000).toISOString() });
      const stale = usageEvent({ timestamp: new Date(now - 36 * DAY).toISOString() });
      const nearFuture = usageEvent({ timestamp: new Date(now + 4 * 60_000).toISOString() });
      const old = usageEvent({ timestamp: new Date(now - 34 * DAY).toISOString() });
      const res = await ingest(s, [future, stale, nearFuture, old]);
      expect(res.body.accepted).toBe(2);
      expect(res.body.rejected).toEqual([
        {
          index: 0,
          id: future.id,
          errors: [{ field: '/events/0/timestamp', message: expect.stringMatching(/more than 5 minutes in the future/) }],
        },
        { index: 1, id: stale.id, errors: [{ field: '/events/1/timestamp', message: expect.stringMatching(/more than 35 days old/) }] },
      ]);
      const records = await eventually(async () => {
        const r = await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?${range()}`);
        return r.body.data.length === 5 ? r.body.data : undefined;
      }, 'the two events inside the window');
      expect(records.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([nearFuture.id, old.id]));
    });

    it('answers 400 with the per-event outcome when every event is rejected, and publishes none of them', async () => {
      const fixed = usageEvent();
      const res = await ingest(s, [
        { ...fixed, model: '' },
        { ...usageEvent(), status: 'maybe' },
      ]);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: expect.stringMatching(/^every event was rejected \(2\)/),
        accepted: 0,
        duplicates: 0,
        rejected: [
          { index: 0, id: fixed.id, errors: [{ field: '/events/0/model', message: 'must be a non-empty string' }] },
          { index: 1, errors: [{ field: '/events/1/status', message: expect.any(String) }] },
        ],
        errors: [{ field: '/events/0/model' }, { field: '/events/1/status' }],
      });
      // Nothing of it was taken: the corrected event is accepted, not called a duplicate.
      expect((await ingest(s, [fixed])).body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    });

    it('records an event without latencyMs: its record says null, the CSV export leaves the cell empty', async () => {
      const target = await session();
      const { latencyMs: _latency, ...backfilled } = usageEvent({ usage: { inputTokens: 1000, outputTokens: 10 } });
      const timed = usageEvent({ latencyMs: 640, usage: { inputTokens: 1000, outputTokens: 10 } });
      expect((await ingest(target, [backfilled, timed])).body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
      await settledRequests(target.keyAgent, target.projectId, 2);
      const page = await target.keyAgent.get(`/v1/projects/${target.projectId}/usage?${range()}`);
      const byId = new Map(page.body.data.map((r: { id: string; latencyMs: number | null }) => [r.id, r.latencyMs]));
      expect(byId).toEqual(
        new Map([
          [backfilled.id, null],
          [timed.id, 640],
        ]),
      );
      const csv = await fetch(`${platform.gatewayUrl}/v1/projects/${target.projectId}/usage/export?format=csv&${range()}`, {
        headers: target.keyAgent.headers,
      });
      const [header, ...lines] = (await csv.text()).trimEnd().split('\n');
      const latencyColumn = header.split(',').indexOf('latency_ms');
      expect(lines.find((l) => l.startsWith(String(backfilled.id)))?.split(',')[latencyColumn]).toBe('');
    });

    it('refuses a malformed body with 400 naming the field', async () => {
      for (const [body, field] of [
        [{}, '/events'],
        [{ events: [] }, '/events'],
        [{ events: [usageEvent()], batch: 1 }, '/batch'],
      ] as const) {
        const res = await s.keyAgent.post('/v1/usage', body);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field }] });
      }
    });

    it('refuses more than 1,000 events and more than 1 MiB with 413 problem+json', async () => {
      const tooMany = await ingest(
        s,
        Array.from({ length: 1001 }, () => usageEvent()),
      );
      expect(tooMany.status).toBe(413);
      expect(tooMany.headers.get('content-type')).toContain('application/problem+json');
      expect(tooMany.body).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        errors: [{ field: '/events', message: expect.stringMatching(/at most 1000 events/) }],
      });

      const heavy = Array.from({ length: 80 }, () => usageEvent({ metadata: { blob: 'x'.repeat(14_000) } }));
      expect(JSON.stringify({ events: heavy }).length).toBeGreaterThan(1024 * 1024);
      const tooLarge = await ingest(s, heavy);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.get('content-type')).toContain('application/problem+json');
      expect(tooLarge.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });

    it('splits a batch whose message would exceed the NATS max_payload, and acknowledges only once every part is durable', async () => {
      const target = await session();
      // Events without tags and metadata: the gateway publishes them normalized (`"tags":{},"metadata":{}` added),
      // so a body just under 1 MiB becomes a message over the server's 1 MiB max_payload.
      const pad = (n: number) => 'p'.repeat(n);
      const base = (fill: number) => {
        const { tags, metadata, ...event } = usageEvent({
          userId: pad(250),
          traceId: pad(250),
          status: 'error',
          errorType: pad(200),
          spanId: pad(fill),
        });
        return event;
      };
      const size = (fill: number) => JSON.stringify({ events: Array.from({ length: 1000 }, () => base(fill)) }).length;
      let fill = 1;
      while (size(fill + 1) <= 1_040_000) fill++;
      expect(fill).toBeLessThanOrEqual(256);
      const events = Array.from({ length: 1000 }, () => base(fill));
      expect(JSON.stringify({ events }).length).toBeLessThanOrEqual(1024 * 1024);
      const res = await ingest(target, events);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: 1000, duplicates: 0, rejected: [] });
      await settledRequests(target.keyAgent, target.projectId, 1000, 20_000);
      const ledger = await sql.query<{ batch_id: string }>(
        `SELECT DISTINCT data->>'batchId' AS batch_id FROM event_store.events WHERE stream_id = $1 AND type = 'UsageRecorded'`,
        [ingestionStreams.usage(target.projectId)],
      );
      expect(ledger.rows.length).toBeGreaterThan(1);
    });

    it('answers 400 naming the field for a bad groupBy, an inverted range, a bad limit or format', async () => {
      const cases: [string, string][] = [
        [`/v1/projects/${s.projectId}/costs/breakdown?groupBy=color`, '/groupBy'],
        [`/v1/projects/${s.projectId}/costs/breakdown?groupBy=project`, '/groupBy'],
        [`/v1/projects/${s.projectId}/costs/breakdown?groupBy=model&limit=0`, '/limit'],
        [`/v1/projects/${s.projectId}/costs/breakdown?groupBy=model&limit=5000`, '/limit'],
        [`/v1/projects/${s.projectId}/costs/summary?from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z`, '/to'],
        [`/v1/projects/${s.projectId}/costs/summary?from=${encodeURIComponent(new Date(Date.now() + DAY).toISOString())}`, '/from'],
        [`/v1/projects/${s.projectId}/costs/summary?from=yesterday`, '/from'],
        [`/v1/projects/${s.projectId}/usage?status=failed`, '/status'],
        [`/v1/projects/${s.projectId}/usage?cursor=not-a-cursor`, '/cursor'],
        [`/v1/projects/${s.projectId}/usage/export?format=xml`, '/format'],
        [`/v1/projects/${s.projectId}/usage?color=red`, '/color'],
      ];
      for (const [path, field] of cases) {
        const res = await s.keyAgent.get(path);
        expect([path, res.status, res.headers.get('content-type')]).toEqual([
          path,
          400,
          expect.stringContaining('application/problem+json'),
        ]);
        if (field !== '/cursor') expect([path, res.body.errors?.map((e: { field: string }) => e.field)]).toEqual([path, [field]]);
        else expect(res.body.code).toBe('INVALID_CURSOR');
      }
    });
  });

  describe('pricing', () => {
    it('records an unpriced model as unpriced, then prices it once the organization sets a price, and back', async () => {
      const s = await session();
      const event = usageEvent({ provider: 'acme', model: 'acme-llm-1', usage: { inputTokens: 1000, outputTokens: 200 } });
      expect((await ingest(s, [event])).body.accepted).toBe(1);
      const unpriced = await settledRequests(s.keyAgent, s.projectId, 1);
      expect(unpriced.body.current).toMatchObject({ unpriced: 1, cost: { amount: '0.000000000000', currency: 'USD' } });

      const created = await s.agent.post(`/v1/organizations/${s.organizationId}/pricing/overrides`, {
        provider: 'acme',
        model: 'acme-llm-1',
        rates: { input: '1', output: '2' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        organizationId: s.organizationId,
        provider: 'acme',
        model: 'acme-llm-1',
        currency: 'USD',
        effectiveFrom: null,
      });

      const priced = await eventually(async () => {
        const r = await summary(s.keyAgent, s.projectId);
        return r.body.current.unpriced === 0 ? r.body.current : undefined;
      }, 'the repricing');
      expect(priced.cost).toEqual({ amount: '0.001400000000', currency: 'USD' });
      const record = (await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?${range()}`)).body.data[0];
      expect(record.cost).toEqual({
        status: 'priced',
        amount: '0.001400000000',
        currency: 'USD',
        priceEntryId: created.body.id,
        priceOrigin: 'override',
      });

      const list = await s.agent.get(`/v1/organizations/${s.organizationId}/pricing/overrides`);
      expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([created.body.id]);
      const overlap = await s.agent.post(`/v1/organizations/${s.organizationId}/pricing/overrides`, {
        provider: 'acme',
        model: 'acme-llm-1',
        rates: { input: '3', output: '4' },
      });
      expect(overlap).toMatchObject({ status: 409, body: { code: 'PRICE_OVERRIDE_OVERLAPS' } });

      expect((await s.agent.delete(`/v1/organizations/${s.organizationId}/pricing/overrides/${created.body.id}`)).status).toBe(204);
      expect((await s.agent.delete(`/v1/organizations/${s.organizationId}/pricing/overrides/${created.body.id}`)).body.code).toBe(
        'PRICE_OVERRIDE_NOT_FOUND',
      );
      const again = await eventually(async () => {
        const r = await summary(s.keyAgent, s.projectId);
        return r.body.current.unpriced === 1 ? r.body.current : undefined;
      }, 'the record to be unpriced again');
      expect(again.cost.amount).toBe('0.000000000000');
    });

    it('validates a price and keeps organization prices to signed-in admins', async () => {
      const s = await session();
      const bad = await s.agent.post(`/v1/organizations/${s.organizationId}/pricing/overrides`, {
        provider: 'acme',
        model: 'm',
        rates: { input: '0.1', output: 1 },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['/rates/output']);
      const byKey = await s.keyAgent.post(`/v1/organizations/${s.organizationId}/pricing/overrides`, {
        provider: 'acme',
        model: 'm',
        rates: { input: '1', output: '1' },
      });
      expect(byKey.status).toBe(403);
      expect((await s.keyAgent.get(`/v1/organizations/${s.organizationId}/pricing/overrides`)).status).toBe(403);
    });

    it('searches and pages the catalog, with the dataset credited', async () => {
      const s = await session();
      const first = await s.keyAgent.get('/v1/pricing/models?search=gpt-4o&limit=3');
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(3);
      expect(
        first.body.data.every((e: { model: string; aliases?: string[] }) =>
          `${e.model} ${(e.aliases ?? []).join(' ')}`.toLowerCase().includes('gpt-4o'),
        ),
      ).toBe(true);
      expect(first.body.attribution).toMatchObject({ name: expect.stringContaining('genai-prices'), license: 'MIT' });
      const second = await s.agent.get(`/v1/pricing/models?search=gpt-4o&limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.data.map((e: { id: string }) => e.id)).not.toContain(first.body.data[0].id);
      expect((await s.anonymous.get('/v1/pricing/models')).status).toBe(401);
    });

    it('lets an organization admin refresh the catalog, rate-limited, and nobody with a key', async () => {
      const s = await session();
      const refresh = () => s.agent.post(`/v1/organizations/${s.organizationId}/pricing/refresh`, { source: 'bundled' });
      const first = await refresh();
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ refreshId: null, opened: 0, entries: expect.any(Number) });
      expect((await refresh()).status).toBe(200);
      const limited = await refresh();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await s.keyAgent.post(`/v1/organizations/${s.organizationId}/pricing/refresh`, {})).status).toBe(403);
      expect((await s.agent.post(`/v1/organizations/${s.organizationId}/pricing/refresh`, { source: 'ftp' })).status).toBe(400);
    });
  });

  describe('amounts no sum can overflow', () => {
    // The largest cost a caller may give, and a priced cost larger still (the largest rate an organization may set
    // times the largest token count): every read model sums them as given, none dead-letters them.
    const MAX_EXPLICIT = '9999999999999999.999999999999';
    const huge = { provider: 'acme', model: 'acme-huge', rates: { input: '999999999999', output: '0' } };
    const HUGE_TOKENS = Number.MAX_SAFE_INTEGER;
    const Exact = Decimal.clone({ precision: 80 });

    it('counts them in every sum: summaries, breakdowns, the trace, the budget and the recorded traffic', async () => {
      const s = await session();
      expect((await s.agent.post(`/v1/organizations/${s.organizationId}/pricing/overrides`, huge)).status).toBe(201);
      const budget = await s.agent.post(`/v1/organizations/${s.organizationId}/budgets`, {
        name: 'Everything',
        scope: { type: 'project', projectId: s.projectId },
        period: 'monthly',
        amount: { amount: MAX_EXPLICIT, currency: 'USD' },
      });
      expect(budget.status).toBe(201);
      const traceId = randomBytes(16).toString('hex');
      // Now, not a minute ago: the budget's month and the day read below are the events' own.
      const timestamp = new Date().toISOString();
      const common = { timestamp, userId: 'big-spender', tags: { feature: 'max' }, traceId };
      const explicit = Array.from({ length: 3 }, () => usageEvent({ ...common, cost: { amount: MAX_EXPLICIT, currency: 'USD' } }));
      const priced = usageEvent({
        ...common,
        provider: huge.provider,
        model: huge.model,
        usage: { inputTokens: HUGE_TOKENS, outputTokens: 0 },
      });
      expect((await ingest(s, [...explicit, priced])).body).toMatchObject({ accepted: 4, rejected: [] });

      const pricedCost = new Exact(HUGE_TOKENS).times(huge.rates.input).div(1_000_000).toFixed(12);
      const total = new Exact(MAX_EXPLICIT).times(3).plus(pricedCost).toFixed(12);
      expect(total).toBe('9007229254731983800745.259008999997');

      const current = (await settledRequests(s.keyAgent, s.projectId, 4)).body.current;
      expect(current).toMatchObject({ unpriced: 0, cost: { amount: total } });
      const records = (await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?${range()}&model=${huge.model}`)).body.data;
      expect(records.map((r: { cost: { amount: string } }) => r.cost.amount)).toEqual([pricedCost]);
      for (const groupBy of ['user', 'tag:feature', 'model', 'day', 'hour']) {
        const rows = (await s.keyAgent.get(`/v1/projects/${s.projectId}/costs/breakdown?groupBy=${groupBy}&${range()}`)).body.rows;
        const sum = rows.reduce((n: Decimal, r: { cost: { amount: string } }) => n.plus(r.cost.amount), new Exact(0));
        expect([groupBy, sum.toFixed(12)]).toEqual([groupBy, total]);
      }
      const org = await s.agent.get(`/v1/organizations/${s.organizationId}/costs/summary?${range()}`);
      expect(org.body.current.cost.amount).toBe(total);
      const orgUsers = await s.agent.get(`/v1/organizations/${s.organizationId}/costs/breakdown?groupBy=user&${range()}`);
      expect(orgUsers.body.rows).toEqual([expect.objectContaining({ key: 'big-spender', cost: { amount: total, currency: 'USD' } })]);

      const trace = await eventually(async () => {
        const r = await s.keyAgent.get(`/v1/projects/${s.projectId}/traces/${traceId}`);
        return r.status === 200 ? r.body : undefined;
      }, 'the trace');
      expect(trace.cost.amount).toBe(total);

      const spend = await eventually(async () => {
        const r = await s.agent.get(`/v1/budgets/${budget.body.id}`);
        return r.body.current?.spend.amount === total ? r.body.current : undefined;
      }, "the budget's spend");
      expect(spend.thresholdsReached).toEqual(expect.arrayContaining([100]));

      const day = timestamp.slice(0, 10);
      const next = new Date(Date.parse(day) + DAY).toISOString().slice(0, 10);
      const whatIf = await eventually(async () => {
        const r = await s.keyAgent.post(`/v1/projects/${s.projectId}/what-if`, { from: day, to: next });
        return r.body.actual?.amount === total ? r.body : undefined;
      }, 'the recorded traffic');
      expect(whatIf.actual.amount).toBe(total);
    });

    it("counts a bucket's tokens beyond what a bigint holds: 1,025 events of the largest count", async () => {
      const s = await session();
      const traceId = randomBytes(16).toString('hex');
      const timestamp = new Date().toISOString();
      const events = Array.from({ length: 1_025 }, () =>
        usageEvent({ timestamp, userId: 'heavy', tags: { feature: 'max' }, traceId, usage: { inputTokens: HUGE_TOKENS, outputTokens: 1 } }),
      );
      expect((await ingest(s, events.slice(0, 1_000))).body).toMatchObject({ accepted: 1_000, rejected: [] });
      expect((await ingest(s, events.slice(1_000))).body).toMatchObject({ accepted: 25, rejected: [] });

      // 1,025 × (2^53 - 1) is above 2^63 - 1; JSON carries it as the nearest double.
      const input = Number(BigInt(HUGE_TOKENS) * 1_025n);
      expect(BigInt(HUGE_TOKENS) * 1_025n > 2n ** 63n - 1n).toBe(true);
      const current = (await settledRequests(s.keyAgent, s.projectId, 1_025, 30_000)).body.current;
      expect(current.tokens).toMatchObject({ input, output: 1_025 });
      const org = await s.agent.get(`/v1/organizations/${s.organizationId}/costs/summary?${range()}`);
      expect(org.body.current).toMatchObject({ requests: 1_025, tokens: { input }, cost: current.cost });
      for (const groupBy of ['user', 'tag:feature', 'model', 'day', 'hour']) {
        const rows = (await s.keyAgent.get(`/v1/projects/${s.projectId}/costs/breakdown?groupBy=${groupBy}&${range()}`)).body.rows;
        expect([groupBy, rows]).toEqual([groupBy, [expect.objectContaining({ requests: 1_025, cost: current.cost })]]);
      }
      const trace = await eventually(async () => {
        const r = await s.keyAgent.get(`/v1/projects/${s.projectId}/traces/${traceId}`);
        return r.body.modelCalls === 1_025 ? r.body : undefined;
      }, 'the trace');
      expect(trace.cost).toEqual(current.cost);

      const day = timestamp.slice(0, 10);
      const next = new Date(Date.parse(day) + DAY).toISOString().slice(0, 10);
      const whatIf = await eventually(async () => {
        const r = await s.keyAgent.post(`/v1/projects/${s.projectId}/what-if`, { from: day, to: next });
        return r.body.actual?.amount === current.cost.amount ? r : undefined;
      }, 'the recorded traffic');
      expect(whatIf.status).toBe(200);
      // A day's sum beyond what one call can count cannot be repriced: the projection is unknown, not an error.
      const substituted = await s.keyAgent.post(`/v1/projects/${s.projectId}/what-if`, {
        from: day,
        to: next,
        substitutions: [{ match: { provider: 'openai', model: 'gpt-4o-mini' }, use: { provider: 'openai', model: 'gpt-4o' } }],
      });
      expect(substituted).toMatchObject({ status: 200, body: { actual: current.cost, projected: null, difference: null } });
    });
  });

  describe('tenancy and permissions', () => {
    it("answers 404 on another tenant's project and organization, and 403 to the wrong credentials in one's own", async () => {
      const a = await session();
      const b = await createSession(platform.gatewayUrl, { apiKeyScopes: ['read'] });
      expect((await ingest(a, [usageEvent()])).status).toBe(202);
      for (const path of [
        `/v1/projects/${a.projectId}/costs/summary`,
        `/v1/projects/${a.projectId}/costs/breakdown?groupBy=model`,
        `/v1/projects/${a.projectId}/usage`,
        `/v1/projects/${a.projectId}/usage/export`,
      ]) {
        for (const agent of [b.agent, b.keyAgent]) {
          const res = await agent.get(path);
          expect([path, res.status, res.body.code]).toEqual([path, 404, 'PROJECT_NOT_FOUND']);
        }
      }
      for (const path of [
        `/v1/organizations/${a.organizationId}/costs/summary`,
        `/v1/organizations/${a.organizationId}/pricing/overrides`,
      ]) {
        expect([path, (await b.agent.get(path)).status]).toEqual([path, 404]);
      }
      // B's read-only key cannot ingest; a signed-in user cannot either (usage comes with a project's key).
      expect((await b.keyAgent.post('/v1/usage', { events: [usageEvent()] })).status).toBe(403);
      expect((await b.agent.post('/v1/usage', { events: [usageEvent()] })).status).toBe(403);
      expect((await a.keyAgent.get(`/v1/organizations/${a.organizationId}/costs/summary`)).status).toBe(403);
      expect((await a.anonymous.post('/v1/usage', { events: [usageEvent()] })).status).toBe(401);
      await settledRequests(a.keyAgent, a.projectId, 1);
      expect((await summary(b.keyAgent, b.projectId)).body.current.requests).toBe(0);
    });

    it("applies the ingest rate limit the operator set for the key's organization", async () => {
      const s = await session();
      const operator = s.anonymous.with({ authorization: `Bearer ${operatorToken}` });
      const set = await operator.request('PUT', `/v1/operator/organizations/${s.organizationId}/rate-limits`, {
        managementPerHour: null,
        ingestPerHour: 2,
      });
      expect(set.status).toBe(200);
      // Identity answers are cached for up to 5 s (docs/security.md).
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await ingest(s, [usageEvent()]));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
      expect(answers[2].headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answers[2].headers.get('ratelimit-limit')).toBe('2');
    });
  });

  describe('export of a few thousand records', () => {
    /** The export's COPY backends on this test's database, in `state` (`active`: sending) or in any but `idle`. */
    const exportCopies = (state: 'active' | 'not idle') =>
      `datname = current_database() AND query LIKE 'COPY (SELECT event_id%' AND pid <> pg_backend_pid() AND ` +
      (state === 'active' ? "state = 'active'" : "state <> 'idle'");
    const count = async (where: string) =>
      Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE ${where}`)).rows[0].n);

    it('streams every record once, chunked; an abandoned download cancels the COPY', async () => {
      const s = await session();
      const ids = new Set<string>();
      for (let batch = 0; batch < 3; batch++) {
        const events = Array.from({ length: 1000 }, (_, i) => usageEvent({ userId: `u-${i % 7}`, tags: { batch: String(batch) } }));
        events.forEach((e) => ids.add(String(e.id)));
        expect((await ingest(s, events)).body.accepted).toBe(1000);
      }
      await settledRequests(s.keyAgent, s.projectId, 3000, 30_000);

      const res = await fetch(`${platform.gatewayUrl}/v1/projects/${s.projectId}/usage/export?format=jsonl&${range()}`, {
        headers: s.keyAgent.headers,
      });
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(res.headers.get('content-length')).toBeNull();
      let chunks = 0;
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        chunks++;
        text += decoder.decode(chunk, { stream: true });
      }
      const exported = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).id);
      expect(exported).toHaveLength(3000);
      expect(new Set(exported)).toEqual(ids);
      expect(chunks).toBeGreaterThan(3);
      const csv = await (
        await fetch(`${platform.gatewayUrl}/v1/projects/${s.projectId}/usage/export?${range()}`, { headers: s.keyAgent.headers })
      ).text();
      expect(csv.trimEnd().split('\r\n')).toHaveLength(3001);

      // A download abandoned after its first chunk: the ingestion service's COPY is cancelled (no query or transaction left).
      const abort = new AbortController();
      const abandoned = await fetch(`${platform.gatewayUrl}/v1/projects/${s.projectId}/usage/export?format=jsonl&${range()}`, {
        headers: s.keyAgent.headers,
        signal: abort.signal,
      });
      const reader = (abandoned.body as ReadableStream<Uint8Array>).getReader();
      expect((await reader.read()).done).toBe(false);
      abort.abort();
      await eventually(async () => (await count(exportCopies('not idle'))) === 0, 'the abandoned COPY closed');
    });

    it('breaks the download off, never ending a short file as if whole, when the export fails mid-transfer', async () => {
      const s = await session();
      const events = Array.from({ length: 1000 }, (_, i) => usageEvent({ userId: `u-${i % 7}` }));
      expect((await ingest(s, events)).body.accepted).toBe(1000);
      await settledRequests(s.keyAgent, s.projectId, 1000, 30_000);
      // 99 copies of each record under other ids, straight into the table: a file (tens of MB) far larger than every
      // buffer on its way, so the COPY is still sending when the reader pauses.
      await sql.query(
        `INSERT INTO ingestion.usage_records
         SELECT (jsonb_populate_record(r, jsonb_build_object('event_id', r.event_id || '-copy-' || g))).*
         FROM ingestion.usage_records r, generate_series(1, 99) g WHERE r.project_id = $1`,
        [s.projectId],
      );
      const res = await fetch(`${platform.gatewayUrl}/v1/projects/${s.projectId}/usage/export?format=jsonl&${range()}`, {
        headers: s.keyAgent.headers,
      });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      expect((await reader.read()).done).toBe(false);
      // The reader pauses; the COPY, held back by the full pipe, is killed as an operator or a failover would.
      await eventually(async () => (await count(exportCopies('active'))) === 1, 'the COPY sending');
      await sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${exportCopies('active')}`);
      const rest = (async () => {
        while (!(await reader.read()).done);
      })();
      // The connection is broken off: a client sees an error, not the end of a shorter file.
      await expect(rest).rejects.toThrow();
    });
  });

  it("takes the SDK's events and answers its typed client", async () => {
    const s = await session();
    const errors: unknown[] = [];
    const llmlab = new LLMLab({ apiKey: s.apiKey.key, baseUrl: platform.gatewayUrl, flushOnExit: false, onError: (e) => errors.push(e) });
    llmlab.record({
      provider: 'openai',
      model: 'gpt-4o-mini',
      latencyMs: 250,
      usage: { inputTokens: 1000, outputTokens: 100 },
      userId: 'sdk-user',
    });
    llmlab.record({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      latencyMs: 900,
      usage: { inputTokens: 500, outputTokens: 50 },
      status: 'error',
      errorType: 'OverloadedError',
    });
    await llmlab.shutdown();
    expect(errors).toEqual([]);
    expect(llmlab.getStats()).toMatchObject({ sent: 2, failed: 0, dropped: 0 });

    const api = createApiClient({ baseUrl: platform.gatewayUrl, apiKey: s.apiKey.key });
    const current = await eventually(async () => {
      const { data } = await api.GET('/v1/projects/{projectId}/costs/summary', { params: { path: { projectId: s.projectId } } });
      return data?.current.requests === 2 ? data.current : undefined;
    }, "the SDK's events");
    expect(current).toMatchObject({ errors: 1, unpriced: 0, tokens: { input: 1500, output: 150 } });
    const { data: users } = await api.GET('/v1/projects/{projectId}/costs/breakdown', {
      params: { path: { projectId: s.projectId }, query: { groupBy: 'user' } },
    });
    expect(users?.rows.map((r) => r.key).sort()).toEqual(['sdk-user', null].sort());
  });

  it("carries the request id into the ledger event's metadata as its correlation id", async () => {
    const s = await session();
    const res = await s.keyAgent.post('/v1/usage', { events: [usageEvent()] }, { 'x-request-id': `req-usage-${uuidv7()}` });
    expect(res.status).toBe(202);
    await settledRequests(s.keyAgent, s.projectId, 1);
    const { rows } = await sql.query(`SELECT metadata FROM event_store.events WHERE stream_id = $1 AND type = 'UsageRecorded'`, [
      ingestionStreams.usage(s.projectId),
    ]);
    expect(rows[0].metadata).toMatchObject({
      correlationId: res.headers.get('x-request-id'),
      actor: { type: 'api_key', id: s.apiKey.id },
      projectId: s.projectId,
    });
  });
});
