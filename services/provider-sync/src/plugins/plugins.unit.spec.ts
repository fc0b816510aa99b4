import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAnthropicServer, FakeOpenAiServer } from '@llmlab/testing';
import { createOutboundPolicy, OutboundClient } from '@llmlab/notifications';
import { checkAdminKey, cursorPages, type AdminEndpoint, type CursorPage } from './admin-api';
import { AnthropicPlugin } from './anthropic.plugin';
import { OpenAiPlugin } from './openai.plugin';
import { ProviderHttp, ProviderRequestError } from './provider-http';
import type { ProviderPage } from './provider-plugin';

async function all<Row>(pages: AsyncIterable<ProviderPage<Row>>): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let count = 0;
  for await (const page of pages) {
    rows.push(...page.rows);
    count++;
  }
  return { rows, pages: count };
}

const range = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-11T00:00:00Z') };

describe('provider plugins against the fake provider servers', () => {
  const openai = new FakeOpenAiServer();
  const anthropic = new FakeAnthropicServer();
  let http: ProviderHttp;

  beforeAll(async () => {
    await Promise.all([openai.start(), anthropic.start()]);
    const client = new OutboundClient(createOutboundPolicy({ trustedOrigins: [openai.url, anthropic.url], maxResponseBytes: 8 << 20 }));
    http = new ProviderHttp(client, { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 });
  });
  afterAll(async () => Promise.all([openai.stop(), anthropic.stop()]));
  beforeEach(() => {
    for (const fake of [openai, anthropic]) {
      fake.costs = [];
      fake.usage = [];
      fake.faults.length = 0;
      fake.requests.length = 0;
      fake.adminKeys.clear();
      fake.bucketsPerPage = 3;
    }
  });

  it('OpenAI: exact dollars from JSON numbers (no float), null dimensions, every page to the end', async () => {
    openai.adminKeys.add('sk-admin-openai-1234');
    openai.costs = [
      { day: '2026-03-01', project: 'proj_a', lineItem: 'gpt-4o, input', amount: '0.1234567890123456789' },
      { day: '2026-03-01', project: null, lineItem: null, amount: '12' },
      { day: '2026-03-10', project: 'proj_b', lineItem: 'gpt-4o, output', amount: '1e-7' },
    ];
    const access = { adminKey: 'sk-admin-openai-1234', baseUrl: openai.url };
    const { rows, pages } = await all(new OpenAiPlugin().costs(http, access, range));
    expect(pages).toBe(4); // 10 days, 3 day-buckets per page
    expect(rows).toEqual([
      { day: '2026-03-01', externalProjectId: 'proj_a', model: null, lineItem: 'gpt-4o, input', amount: '0.1234567890123456789' },
      { day: '2026-03-01', externalProjectId: null, model: null, lineItem: null, amount: '12' },
      { day: '2026-03-10', externalProjectId: 'proj_b', model: null, lineItem: 'gpt-4o, output', amount: '0.0000001' },
    ]);
    const first = openai.requests[0];
    expect(first.headers.authorization).toBe('Bearer sk-admin-openai-1234');
    expect(first.query.get('bucket_width')).toBe('1d');
    expect(first.query.getAll('group_by[]')).toEqual(['project_id', 'line_item']);
  });

  it('Anthropic: cents as decimal strings converted exactly to dollars; headers; usage by model and workspace', async () => {
    anthropic.adminKeys.add('sk-ant-admin-5678');
    anthropic.costs = [
      {
        day: '2026-03-02',
        project: 'wrkspc_1',
        lineItem: 'Claude Sonnet 4 Usage - Input Tokens',
        model: 'claude-sonnet-4',
        amount: '123.456789',
      },
      { day: '2026-03-02', project: null, lineItem: null, amount: '1' },
    ];
    anthropic.usage = [
      {
        day: '2026-03-02',
        project: 'wrkspc_1',
        model: 'claude-sonnet-4',
        kind: 'messages',
        inputTokens: 1000,
        outputTokens: 200,
        cachedInputTokens: 50,
        requests: 0,
      },
    ];
    const access = { adminKey: 'sk-ant-admin-5678', baseUrl: anthropic.url };
    const plugin = new AnthropicPlugin();
    const costs = await all(plugin.costs(http, access, range));
    expect(costs.rows).toEqual([
      {
        day: '2026-03-02',
        externalProjectId: 'wrkspc_1',
        model: 'claude-sonnet-4',
        lineItem: 'Claude Sonnet 4 Usage - Input Tokens',
        amount: '1.23456789',
      },
      { day: '2026-03-02', externalProjectId: null, model: null, lineItem: null, amount: '0.01' },
    ]);
    const usage = await all(plugin.usage(http, access, range));
    expect(usage.rows).toEqual([
      {
        day: '2026-03-02',
        externalProjectId: 'wrkspc_1',
        model: 'claude-sonnet-4',
        kind: 'messages',
        inputTokens: 1000,
        outputTokens: 200,
        cachedInputTokens: 50,
        requests: 0,
      },
    ]);
    expect(anthropic.requests[0].headers['x-api-key']).toBe('sk-ant-admin-5678');
    expect(anthropic.requests[0].headers['anthropic-version']).toBe('2023-06-01');
  });

  it('retries 429 (Retry-After) and 500 within the bound, then gives up without the key in the error', async () => {
    openai.adminKeys.add('sk-admin-openai-1234');
    openai.costs = [{ day: '2026-03-01', project: null, lineItem: null, amount: '2.5' }];
    openai.faults.push({ status: 429, retryAfter: '0' }, { status: 500 });
    const access = { adminKey: 'sk-admin-openai-1234', baseUrl: openai.url };
    const { rows } = await all(new OpenAiPlugin().costs(http, access, range));
    expect(rows.map((r) => r.amount)).toEqual(['2.5']);

    openai.faults.push({ status: 500 }, { status: 500 }, { status: 500 });
    const error = await all(new OpenAiPlugin().costs(http, access, range)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect((error as Error).message).toContain('answered 500 (after 3 attempts)');
    expect((error as Error).message).not.toContain('1234');
  });

  it('asks for the largest page each report allows (the API references), so a year is a few pages; the fakes refuse more', async () => {
    openai.adminKeys.add('k');
    anthropic.adminKeys.add('k');
    for (const fake of [openai, anthropic]) fake.bucketsPerPage = null;
    const year = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') };
    const pages = async (report: AsyncIterable<ProviderPage<unknown>>) => (await all(report)).pages;
    const o = new OpenAiPlugin();
    const a = new AnthropicPlugin();
    expect(await pages(o.costs(http, { adminKey: 'k', baseUrl: openai.url }, year))).toBe(3); // 180 + 180 + 5 days
    expect(await pages(o.usage(http, { adminKey: 'k', baseUrl: openai.url }, year))).toBe(24); // 12 of 31 days, twice
    expect(await pages(a.costs(http, { adminKey: 'k', baseUrl: anthropic.url }, year))).toBe(12);
    expect(await pages(a.usage(http, { adminKey: 'k', baseUrl: anthropic.url }, year))).toBe(12);
    const limits = (fake: FakeOpenAiServer | FakeAnthropicServer) => new Set(fake.requests.map((r) => `${r.path} ${r.query.get('limit')}`));
    expect(limits(openai)).toEqual(
      new Set(['/v1/organization/costs 180', '/v1/organization/usage/completions 31', '/v1/organization/usage/embeddings 31']),
    );
    expect(limits(anthropic)).toEqual(new Set(['/v1/organizations/cost_report 31', '/v1/organizations/usage_report/messages 31']));

    const tooMany = await fetch(`${anthropic.url}/v1/organizations/cost_report?starting_at=2025-01-01T00:00:00Z&limit=32`, {
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    });
    expect(tooMany.status).toBe(400);
    const usageTooMany = await fetch(`${openai.url}/v1/organization/usage/completions?start_time=1735689600&limit=180`, {
      headers: { authorization: 'Bearer k' },
    });
    expect(usageTooMany.status).toBe(400);
  });

  it('validates credentials: accepted, refused (401)', async () => {
    openai.adminKeys.add('good');
    anthropic.adminKeys.add('good');
    await expect(new OpenAiPlugin().validateCredentials(http, { adminKey: 'good', baseUrl: openai.url })).resolves.toBe(true);
    await expect(new OpenAiPlugin().validateCredentials(http, { adminKey: 'bad', baseUrl: openai.url })).resolves.toBe(false);
    await expect(new AnthropicPlugin().validateCredentials(http, { adminKey: 'good', baseUrl: anthropic.url })).resolves.toBe(true);
    await expect(new AnthropicPlugin().validateCredentials(http, { adminKey: 'bad', baseUrl: anthropic.url })).resolves.toBe(false);
  });

  it('OpenAI usage: completions and embeddings grouped by model and project', async () => {
    openai.adminKeys.add('k');
    openai.usage = [
      {
        day: '2026-03-03',
        project: 'proj_a',
        model: 'gpt-4o',
        kind: 'completions',
        inputTokens: 10,
        outputTokens: 5,
        cachedInputTokens: 2,
        requests: 3,
      },
      {
        day: '2026-03-03',
        project: null,
        model: 'text-embedding-3-small',
        kind: 'embeddings',
        inputTokens: 7,
        outputTokens: 0,
        cachedInputTokens: 0,
        requests: 1,
      },
    ];
    const { rows } = await all(new OpenAiPlugin().usage(http, { adminKey: 'k', baseUrl: openai.url }, range));
    expect(rows).toEqual([
      {
        day: '2026-03-03',
        externalProjectId: 'proj_a',
        model: 'gpt-4o',
        kind: 'completions',
        inputTokens: 10,
        outputTokens: 5,
        cachedInputTokens: 2,
        requests: 3,
      },
      {
        day: '2026-03-03',
        externalProjectId: null,
        model: 'text-embedding-3-small',
        kind: 'embeddings',
        inputTokens: 7,
        outputTokens: 0,
        cachedInputTokens: 0,
        requests: 1,
      },
    ]);
  });

  it('Anthropic usage: cache reads counted in the input (the platform convention), one page of buckets as documented', async () => {
    anthropic.adminKeys.add('k');
    anthropic.bucketsPerPage = 10;
    anthropic.usage = [
      {
        day: '2026-03-02',
        project: null,
        model: 'claude-sonnet-4',
        kind: 'messages',
        inputTokens: 1000,
        outputTokens: 50,
        cachedInputTokens: 400,
        requests: 0,
      },
    ];
    const access = { adminKey: 'k', baseUrl: anthropic.url };
    const { rows } = await all(new AnthropicPlugin().usage(http, access, range));
    expect(rows).toEqual([
      {
        day: '2026-03-02',
        externalProjectId: null,
        model: 'claude-sonnet-4',
        kind: 'messages',
        inputTokens: 1000,
        outputTokens: 50,
        cachedInputTokens: 400,
        requests: 0,
      },
    ]);
    const wire = await fetch(
      `${anthropic.url}/v1/organizations/usage_report/messages?starting_at=2026-03-01T00:00:00Z&ending_at=2026-03-03T00:00:00Z`,
      { headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } },
    ).then((r) => r.json());
    expect(wire).toEqual({
      data: [
        { starting_at: '2026-03-01T00:00:00Z', ending_at: '2026-03-02T00:00:00Z', results: [] },
        {
          starting_at: '2026-03-02T00:00:00Z',
          ending_at: '2026-03-03T00:00:00Z',
          results: [
            expect.objectContaining({ uncached_input_tokens: 600, cache_read_input_tokens: 400, output_tokens: 50, workspace_id: null }),
          ],
        },
      ],
      has_more: false,
      next_page: null,
    });
  });
});

/** Answers the scripted replies in order (the Admin APIs' page shape), and records every URL asked for. */
class ScriptedProvider {
  readonly replies: { status: number; body: string; headers?: Record<string, string> }[] = [];
  readonly asked: URL[] = [];
  private readonly server: Server = createServer((req, res) => {
    this.asked.push(new URL(req.url ?? '/', 'http://provider'));
    const reply = this.replies.shift() ?? { status: 404, body: '{"error":{"message":"not scripted"}}' };
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
  });

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  start = () => new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  stop = () => new Promise<void>((resolve) => this.server.close(() => resolve()));

  page(rows: number[], hasMore: boolean, next: string | null): this {
    this.replies.push({ status: 200, body: JSON.stringify({ data: rows, has_more: hasMore, next_page: next }) });
    return this;
  }
}

describe('the Admin API helpers both plugins use', () => {
  const provider = new ScriptedProvider();
  let http: ProviderHttp;
  let endpoint: AdminEndpoint;

  beforeAll(async () => {
    await provider.start();
    http = new ProviderHttp(new OutboundClient(createOutboundPolicy({ trustedOrigins: [provider.origin] })), {
      attempts: 3,
      baseDelayMs: 1,
      maxDelayMs: 5,
    });
    endpoint = { origin: provider.origin, path: '/v1/report', headers: { 'x-api-key': 'sk-admin-9876' } };
  });
  afterAll(() => provider.stop());
  beforeEach(() => {
    provider.replies.length = 0;
    provider.asked.length = 0;
  });

  async function collect(): Promise<CursorPage[]> {
    const pages: CursorPage[] = [];
    for await (const page of cursorPages(http, endpoint, 'bucket_width=1d')) pages.push(page);
    return pages;
  }

  it('follows next_page while has_more, and stops at has_more=false even when a next_page is given', async () => {
    provider.page([1], true, 'c1').page([2], true, 'c 2').page([3], false, 'c3');
    const pages = await collect();
    expect(pages.map(({ cursor, next, body }) => ({ cursor, next, data: (body.data as unknown[]).map(String) }))).toEqual([
      { cursor: null, next: 'c1', data: ['1'] },
      { cursor: 'c1', next: 'c 2', data: ['2'] },
      { cursor: 'c 2', next: null, data: ['3'] },
    ]);
    expect(provider.asked.map((url) => url.searchParams.get('page'))).toEqual([null, 'c1', 'c 2']);
    expect(provider.asked.every((url) => url.pathname === '/v1/report' && url.searchParams.get('bucket_width') === '1d')).toBe(true);
  });

  it('refuses a next_page already followed instead of paging for ever', async () => {
    provider.page([1], true, 'a').page([2], true, 'b').page([3], true, 'a');
    const seen: (string | null)[] = [];
    const error = await (async () => {
      for await (const page of cursorPages(http, endpoint, 'q=1')) seen.push(page.cursor);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect((error as Error).message).toBe('/v1/report: next_page repeats a cursor already followed');
    expect(seen).toEqual([null, 'a']);
    expect(provider.asked).toHaveLength(3);

    provider.page([1], true, 'same').page([2], true, 'same');
    await expect(collect()).rejects.toThrow('next_page repeats a cursor already followed');
  });

  it('waits out a 429 (Retry-After) in the middle and asks for the same page again', async () => {
    provider.page([1], true, 'p2');
    provider.replies.push({ status: 429, body: '{"error":{"message":"rate limited"}}', headers: { 'retry-after': '0' } });
    provider.page([2], false, null);
    const pages = await collect();
    expect(pages.map((page) => page.cursor)).toEqual([null, 'p2']);
    expect(provider.asked.map((url) => url.searchParams.get('page'))).toEqual([null, 'p2', 'p2']);
  });

  it('stops on an answer that is not a 2xx, naming the path (never the origin or the key)', async () => {
    provider.page([1], true, 'p2');
    provider.replies.push({ status: 400, body: '{"error":{"message":"bad page"}}' });
    const error = await collect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect((error as ProviderRequestError).status).toBe(400);
    expect((error as Error).message).toBe('/v1/report answered 400');
  });

  it('checks an admin key: 2xx accepted, 401 and 403 refused, anything else cannot tell', async () => {
    provider.replies.push(
      { status: 200, body: '{"data":[]}' },
      { status: 401, body: '{}' },
      { status: 403, body: '{}' },
      { status: 404, body: '{}' },
    );
    await expect(checkAdminKey(http, endpoint)).resolves.toBe(true);
    await expect(checkAdminKey(http, endpoint)).resolves.toBe(false);
    await expect(checkAdminKey(http, endpoint)).resolves.toBe(false);
    await expect(checkAdminKey(http, endpoint)).rejects.toThrow('/v1/report answered 404');
    expect(provider.asked[0].searchParams.get('limit')).toBe('1');
  });
});
