import { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import {
  createSession,
  createTestDatabase,
  eventually,
  TestPlatform,
  usageEvent,
  type Agent,
  type TestDatabase,
  type TestSession,
} from '@llmlab/testing';
import { settledRequests, summary } from './usage.helpers';

jest.setTimeout(180_000);

const DAY = 86_400_000;
const MAX_BYTES = 256 * 1024;

// Backfill through the gateway, end to end: a file uploaded to POST /v1/projects/{projectId}/usage/imports is
// stored in the JetStream object store, imported in the background by the ingestion service through the ledger,
// and its progress read at GET /v1/usage/imports/{importId}.
describe('usage imports through the gateway', () => {
  let db: TestDatabase;
  let platform: TestPlatform;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      // The audit service records every usage export before it is sent.
      services: ['gateway', 'auth', 'ingestion', 'audit'],
      env: { USAGE_IMPORT_MAX_BYTES: String(MAX_BYTES) },
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  }, 60_000);

  const session = () => createSession(platform.gatewayUrl);
  const range = (days = 40) =>
    `from=${encodeURIComponent(new Date(Date.now() - days * DAY).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 600_000).toISOString())}`;
  const exportFile = async (s: TestSession, format: 'csv' | 'jsonl') => {
    const res = await s.keyAgent.get(`/v1/projects/${s.projectId}/usage/export?format=${format}&${range()}`);
    expect(res.status).toBe(200);
    return res.body as string;
  };
  const upload = (agent: Agent, projectId: string, body: string, type: string) =>
    agent.upload(`/v1/projects/${projectId}/usage/imports`, body, type);

  /** Uploads a file and waits for its import to complete; returns the final progress. */
  async function importFile(agent: Agent, projectId: string, body: string, type: string) {
    const res = await upload(agent, projectId, body, type);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ importId: expect.any(String), status: 'queued' });
    expect(res.headers.get('location')).toBe(`/v1/usage/imports/${res.body.importId}`);
    return eventually(
      async () => {
        const r = await agent.get(res.headers.get('location')!);
        expect(r.status).toBe(200);
        return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
      },
      'the import to complete',
      60_000,
    );
  }

  const totals = async (s: TestSession) => (await summary(s.keyAgent, s.projectId)).body.current;

  describe('round trip: export a project, import into another', () => {
    let source: TestSession;
    const events = [
      usageEvent({ userId: 'u-1', tags: { feature: 'search' }, usage: { inputTokens: 2000, outputTokens: 100, cachedInputTokens: 1024 } }),
      usageEvent({ userId: 'u-2', tags: { feature: 'chat', 'team,name': 'a "quoted" value' }, metadata: { run: 7, nested: { ok: true } } }),
      usageEvent({
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        traceId: '=HYPERLINK("http://attacker.example")',
        spanId: 'span, with "quotes"',
        status: 'error',
        errorType: 'OverloadedError',
        usage: { inputTokens: 300, outputTokens: 0, cacheWriteTokens: 100 },
      }),
      usageEvent({ model: 'gpt-4o', cost: { amount: '0.123456789012', currency: 'USD' } }),
      usageEvent({ provider: 'acme', model: 'unknown-model-x' }),
      ...Array.from({ length: 45 }, (_, i) => usageEvent({ usage: { inputTokens: 100 + i, outputTokens: 10 + i, reasoningTokens: i } })),
    ];

    beforeAll(async () => {
      source = await session();
      const res = await source.keyAgent.post('/v1/usage', { events });
      expect(res.body).toMatchObject({ accepted: events.length, rejected: [] });
      await settledRequests(source.keyAgent, source.projectId, events.length);
    });

    const withoutReceivedAt = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => {
          const { receivedAt: _receivedAt, ...rest } = JSON.parse(line);
          return rest;
        })
        .sort((a, b) => (a.id < b.id ? -1 : 1));

    it.each([
      ['csv', 'text/csv'],
      ['jsonl', 'application/x-ndjson'],
    ] as const)('imports the %s export into another project: same records, same totals', async (format, type) => {
      const target = await session();
      const file = await exportFile(source, format);
      // A signed-in owner imports the CSV; the project's API key the JSON Lines.
      const agent = format === 'csv' ? target.agent : target.keyAgent;
      const done = await importFile(agent, target.projectId, file, type);
      expect(done).toMatchObject({
        status: 'completed',
        format,
        projectId: target.projectId,
        linesRead: format === 'csv' ? events.length + 1 : events.length,
        accepted: events.length,
        duplicates: 0,
        rejected: 0,
        errors: [],
        errorsTruncated: false,
        failure: null,
      });
      expect(await totals(target)).toEqual(await totals(source));
      // Every record comes back as it was (costs computed again at the same timestamps, the explicit one kept).
      expect(withoutReceivedAt(await exportFile(target, 'jsonl'))).toEqual(withoutReceivedAt(await exportFile(source, 'jsonl')));
    });

    it('counts every line of a second import of the same file as a duplicate, totals unchanged', async () => {
      const target = await session();
      const file = await exportFile(source, 'csv');
      expect(await importFile(target.agent, target.projectId, file, 'text/csv')).toMatchObject({ accepted: events.length });
      const before = await totals(target);
      const again = await importFile(target.agent, target.projectId, file, 'text/csv');
      expect(again).toMatchObject({ status: 'completed', accepted: 0, duplicates: events.length, rejected: 0 });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await totals(target)).toEqual(before);
      // The same events sent live are counted once too, whatever the way in.
      expect((await target.keyAgent.post('/v1/usage', { events })).status).toBe(202);
      expect((await settledRequests(target.keyAgent, target.projectId, events.length)).body.current).toEqual(before);
    });
  });

  it('reports each bad line with its line number and field, and imports the others', async () => {
    const s = await session();
    const good = usageEvent();
    const lines = [
      JSON.stringify(good),
      JSON.stringify({ ...usageEvent(), model: undefined }),
      '{ not json',
      JSON.stringify(usageEvent({ timestamp: new Date(Date.now() + DAY).toISOString() })),
      '',
      JSON.stringify(usageEvent({ usage: { inputTokens: 10, outputTokens: 5, reasoningTokens: 6 } })),
    ];
    const done = await importFile(s.keyAgent, s.projectId, '\uFEFF' + lines.join('\r\n') + '\r\n', 'application/jsonl');
    expect(done).toMatchObject({ status: 'completed', linesRead: 6, accepted: 1, duplicates: 0, rejected: 4 });
    expect(done.errors).toEqual([
      { line: 2, field: '/model', message: 'must be a non-empty string' },
      { line: 3, field: '/', message: 'is not valid JSON' },
      { line: 4, field: '/timestamp', message: expect.stringMatching(/in the future/) },
      { line: 6, field: '/usage/reasoningTokens', message: expect.stringMatching(/exceeds outputTokens/) },
    ]);

    const header = 'id,timestamp,provider,model,status,latency_ms,input_tokens,output_tokens';
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const csv = [
      header,
      `a-1,${at},openai,gpt-4o-mini,success,10,100,20`,
      `a-2,${at},openai,gpt-4o-mini,success,10,lots,20`,
      `a-3,${at},openai`,
    ];
    const other = await session();
    const bad = await importFile(other.keyAgent, other.projectId, csv.join('\n'), 'text/csv');
    expect(bad).toMatchObject({ status: 'completed', linesRead: 4, accepted: 1, rejected: 2 });
    expect(bad.errors).toEqual([
      { line: 3, field: '/usage/inputTokens', message: 'must be a non-negative integer' },
      { line: 4, field: '/', message: 'has 3 cells where the header has 8 columns' },
    ]);

    const wrongHeader = await importFile(other.keyAgent, other.projectId, 'id,when\nx,y\n', 'text/csv');
    expect(wrongHeader).toMatchObject({ status: 'failed', accepted: 0, failure: expect.stringMatching(/^line 1: unknown column "when"/) });
  });

  it('prices events 200 days old at the price in force at their own timestamp', async () => {
    const s = await session();
    const overrides = `/v1/organizations/${s.organizationId}/pricing/overrides`;
    const boundary = new Date(Date.now() - 100 * DAY).toISOString();
    const then = await s.agent.post(overrides, {
      provider: 'acme',
      model: 'acme-llm-1',
      effectiveFrom: new Date(Date.now() - 300 * DAY).toISOString(),
      effectiveTo: boundary,
      rates: { input: '1', output: '2' },
    });
    expect(then.status).toBe(201);
    const now = await s.agent.post(overrides, {
      provider: 'acme',
      model: 'acme-llm-1',
      effectiveFrom: boundary,
      rates: { input: '3', output: '4' },
    });
    expect(now.status).toBe(201);
    const old = usageEvent({
      provider: 'acme',
      model: 'acme-llm-1',
      timestamp: new Date(Date.now() - 200 * DAY).toISOString(),
      usage: { inputTokens: 1_000_000, outputTokens: 500_000 },
    });
    const recent = usageEvent({ provider: 'acme', model: 'acme-llm-1', usage: { inputTokens: 1_000_000, outputTokens: 500_000 } });
    const done = await importFile(s.agent, s.projectId, [old, recent].map((e) => JSON.stringify(e)).join('\n'), 'application/x-ndjson');
    expect(done).toMatchObject({ status: 'completed', accepted: 2, rejected: 0 });
    const records = await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?${range(250)}`);
    const costOf = (id: unknown) => records.body.data.find((r: { id: string }) => r.id === id).cost;
    expect(costOf(old.id)).toMatchObject({ status: 'priced', amount: '2.000000000000', priceOrigin: 'override' });
    expect(costOf(recent.id)).toMatchObject({ status: 'priced', amount: '5.000000000000', priceOrigin: 'override' });
  });

  it('refuses a file over the limit with 413 and another content type with 415, as problem+json', async () => {
    const s = await session();
    const line = JSON.stringify(usageEvent()) + '\n';
    const big = line.repeat(Math.ceil((MAX_BYTES + 1) / line.length));
    const tooLarge = await upload(s.keyAgent, s.projectId, big, 'application/x-ndjson');
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(tooLarge.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', errors: [{ field: 'body', message: expect.any(String) }] });

    // Without a Content-Length (chunked), the limit is counted while the file is stored.
    const chunked = await fetch(`${platform.gatewayUrl}/v1/projects/${s.projectId}/usage/imports`, {
      method: 'POST',
      headers: { ...s.keyAgent.headers, 'content-type': 'application/x-ndjson' },
      body: Readable.toWeb(Readable.from([big])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });

    const json = await s.keyAgent.post(`/v1/projects/${s.projectId}/usage/imports`, { events: [] });
    expect(json.status).toBe(415);
    expect(json.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ field: 'content-type', message: expect.any(String) }] });
    const text = await upload(s.keyAgent, s.projectId, line, 'text/plain');
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it("answers 404 for another tenant's import and refuses a read-only key", async () => {
    const owner = await session();
    const stranger = await session();
    const res = await upload(owner.keyAgent, owner.projectId, JSON.stringify(usageEvent()), 'application/x-ndjson');
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    expect((await owner.agent.get(location)).status).toBe(200);
    expect((await stranger.agent.get(location)).body).toMatchObject({ status: 404, code: 'USAGE_IMPORT_NOT_FOUND' });
    expect((await stranger.keyAgent.get(location)).status).toBe(404);
    expect((await owner.agent.get(`/v1/usage/imports/${uuidv7()}`)).status).toBe(404);
    expect((await upload(stranger.keyAgent, owner.projectId, '{}', 'application/x-ndjson')).status).toBe(404);
    const readOnly = await createSession(platform.gatewayUrl, { apiKeyScopes: ['read'] });
    expect((await upload(readOnly.keyAgent, readOnly.projectId, '{}', 'application/x-ndjson')).status).toBe(403);
  });
});
