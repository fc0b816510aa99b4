import OpenAI from 'openai';
import { createSession, eventually, startPlatformSession, type PlatformSession, type TestSession } from '@llmlab/testing';
import { startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(120_000);

/**
 * Routes end to end: an owner sets a project's route through the gateway, and an unmodified OpenAI client asking for
 * the route's model name is served by its targets in order, the next one when a target fails (5xx, 429, a
 * connection refused), and never for a caller's own mistake (4xx).
 */
describe('proxy: routes with aliases and fallbacks', () => {
  let session: PlatformSession;
  let upstream: FakeOpenAI;
  let tenant: TestSession;
  let proxyUrl: string;
  let routeId: string;
  /** What the cache test sent on its route: calls, and the hits among them. */
  const cachedChat = { calls: 0, hits: 0 };

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'proxy', 'recommendations'],
      env: {
        PROXY_OPENAI_BASE_URL: upstream.baseURL,
        PROXY_BUDGET_UNAVAILABLE: 'allow',
        PROXY_PROVIDER_KEY_CACHE_MS: '0',
        PROXY_UPSTREAM_MAX_RETRIES: '1',
        PROXY_UPSTREAM_BACKOFF_BASE_MS: '10',
        PROXY_UPSTREAM_BACKOFF_MAX_MS: '20',
      },
    });
    proxyUrl = session.platform.proxyUrl;
    tenant = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
  });

  afterAll(async () => {
    await session?.stop();
    await upstream?.close();
  });

  const routes = () => `/v1/projects/${tenant.projectId}/routes`;
  const client = (base = proxyUrl) =>
    new OpenAI({
      apiKey: 'sk-callers-own-key',
      baseURL: `${base}/proxy/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-LLMLab-Key': tenant.apiKey.key },
    });
  const chat = (model: string, stream = false) =>
    client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Say hello' }],
      ...(stream ? { stream: true } : {}),
    } as never);
  const asked = (from: number) => upstream.requests.slice(from).map((r) => (r.body as { model: string }).model);

  it('sets a route and lists it, its targets of either format; refuses bad fields, naming them', async () => {
    const set = await tenant.agent.put(routes(), {
      model: 'chat-default',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'openai', model: 'gpt-4.1-nano' },
      ],
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ model: 'chat-default', timeoutMs: null, updatedBy: `user:${tenant.id}` });
    routeId = set.body.routeId;
    expect((await tenant.agent.get(routes())).body).toEqual([set.body]);

    const crossFormat = await tenant.agent.put(routes(), {
      model: 'mixed',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'anthropic', model: 'claude-haiku-4-5' },
      ],
    });
    // A chat call falls back to the Anthropic target translated (cross-format.e2e.spec.ts).
    expect(crossFormat.status).toBe(200);
    expect(crossFormat.body.targets.map((t: { provider: string }) => t.provider)).toEqual(['openai', 'anthropic']);
    const bad = await tenant.agent.put(routes(), { model: 'x', targets: [], timeoutMs: 5 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('targets');
    expect((await tenant.keyAgent.get(routes())).status).toBe(403);
  });

  it("rewrites the route's model to its first target, and records the call with the route", async () => {
    const from = upstream.requests.length;
    const { response } = await client()
      .chat.completions.create({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(asked(from)).toEqual(['gpt-4o-mini']);
    const usageId = response.headers.get('x-llmlab-usage-id');
    await eventually(
      async () => {
        const page = await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}/usage?limit=50`);
        const record = page.body?.data?.find((r: { id: string }) => r.id === usageId);
        return (
          record?.status === 'success' &&
          record.metadata.proxy.route.model === 'chat-default' &&
          record.metadata.proxy.route.targets[0].result === 'answered'
        );
      },
      'the routed call recorded with its route',
      30_000,
    );
  });

  it('falls back to the next target when one keeps failing with 5xx, retrying it first', async () => {
    const from = upstream.requests.length;
    upstream.failNext({ status: 500, type: 'server_error', message: 'boom' });
    upstream.failNext({ status: 503, type: 'server_error', message: 'still down' });
    const answer = await chat('chat-default');
    expect((answer as OpenAI.Chat.ChatCompletion).choices[0].message.content).toBeTruthy();
    expect(asked(from)).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4.1-nano']);
  });

  it('falls back on 429 too, and streams the fallback chunk by chunk', async () => {
    const from = upstream.requests.length;
    upstream.failNext({ status: 429, type: 'requests', message: 'slow down', headers: { 'retry-after': '60' } });
    const stream = (await chat('chat-default', true)) as unknown as AsyncIterable<OpenAI.Chat.ChatCompletionChunk>;
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    // Retry-After above the cap: the next target at once rather than a wait.
    expect(asked(from)).toEqual(['gpt-4o-mini', 'gpt-4.1-nano']);
  });

  it("answers the caller's own mistake (400) as it came, without trying another target", async () => {
    const from = upstream.requests.length;
    upstream.failNext({ status: 400, type: 'invalid_request_error', message: 'messages: too long' });
    const refused = await chat('chat-default').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain('too long');
    expect(asked(from)).toEqual(['gpt-4o-mini']);
  });

  it('replays a cached answer for the same request on a route with a cache, recorded at no cost with the money saved', async () => {
    const set = await tenant.agent.put(routes(), {
      model: 'cached-chat',
      targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
      cacheTtlSeconds: 60,
    });
    expect(set.body.cacheTtlSeconds).toBe(60);
    const ask = async (content: string, user?: string) => {
      const answer = await client()
        .chat.completions.create({ model: 'cached-chat', messages: [{ role: 'user', content }], ...(user ? { user } : {}) })
        .withResponse();
      cachedChat.calls++;
      if (answer.response.headers.get('x-llmlab-cache') === 'hit') cachedChat.hits++;
      return answer;
    };
    const from = upstream.requests.length;
    const first = await ask('What is 2 + 2?', 'end-user-1');
    expect(first.response.headers.get('x-llmlab-cache')).toBe('miss');
    // The entry is written once the first answer is relayed and priced: a call just after it may still miss.
    let second!: Awaited<ReturnType<typeof ask>>;
    await eventually(
      async () => {
        second = await ask('What is 2 + 2?', 'end-user-2');
        return second.response.headers.get('x-llmlab-cache') === 'hit';
      },
      'a cache hit',
      10_000,
    );
    expect(second.data.choices).toEqual(first.data.choices);
    // From now on, the same request never reaches the provider.
    const before = upstream.requests.length;
    const third = await ask('What is 2 + 2?');
    expect(third.response.headers.get('x-llmlab-cache')).toBe('hit');
    expect([third.response.headers.get('x-llmlab-cost'), first.response.headers.get('x-llmlab-cost-status')]).toEqual(['0', 'priced']);
    expect(upstream.requests).toHaveLength(before);
    // Another question is another entry; a stream is never cached.
    expect((await ask('What is 3 + 3?')).response.headers.get('x-llmlab-cache')).toBe('miss');
    for await (const chunk of (await chat('cached-chat', true)) as unknown as AsyncIterable<unknown>) void chunk;
    cachedChat.calls++;
    expect(upstream.requests).toHaveLength(before + 2);
    expect(asked(from).every((m) => m === 'gpt-4o-mini')).toBe(true);

    const usageId = second.response.headers.get('x-llmlab-usage-id');
    await eventually(
      async () => {
        const page = await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}/usage?limit=100`);
        const record = page.body?.data?.find((r: { id: string }) => r.id === usageId);
        return (
          record?.status === 'success' &&
          record.usage.inputTokens === 0 &&
          Number(record.cost.amount) === 0 &&
          record.cost.status === 'override' &&
          record.metadata.proxy.cache.hit === true &&
          Number(record.metadata.proxy.cache.saved) > 0
        );
      },
      'the hit recorded at no cost, with the money saved',
      30_000,
    );
  });

  it("tells each route's calls, errors, fallbacks and cache hits, with their cost and what the cache saved", async () => {
    const cachedRoute = (await tenant.agent.get(routes())).body.find((r: { model: string }) => r.model === 'cached-chat').routeId;
    type Row = {
      routeId: string;
      calls: number;
      errors: number;
      fallbacks: number;
      cacheHits: number;
      cost: { amount: string };
      cacheSaved: { amount: string };
    };
    let rows: Row[] = [];
    // The usage reaches the recommendations service's read model through the ledger: a moment after the answers.
    await eventually(
      async () => {
        const res = await tenant.keyAgent.get(`${routes()}/traffic`);
        rows = res.body?.routes ?? [];
        const calls = Object.fromEntries(rows.map((r) => [r.routeId, r.calls]));
        return calls[routeId] === 4 && calls[cachedRoute] === cachedChat.calls;
      },
      "both routes' calls counted",
      30_000,
    );
    const of = (id: string) => rows.find((r) => r.routeId === id)!;
    // chat-default: one answered by its first target, two by the fallback (5xx, 429), one caller's mistake (400).
    expect(of(routeId)).toMatchObject({ calls: 4, errors: 1, fallbacks: 2, cacheHits: 0, cacheSaved: { amount: '0.000000000000' } });
    expect(Number(of(routeId).cost.amount)).toBeGreaterThan(0);
    // cached-chat: every hit saved what the call whose answer it replayed cost, as its usage record says.
    expect(of(cachedRoute)).toMatchObject({ errors: 0, fallbacks: 0, cacheHits: cachedChat.hits });
    expect(cachedChat.hits).toBeGreaterThanOrEqual(2);
    // The usage records come from ingestion's own projection of the same ledger: they may arrive a moment apart.
    let saved: number[] = [];
    await eventually(
      async () => {
        const page = await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}/usage?limit=100`);
        const records = (page.body?.data ?? []) as { metadata: { proxy?: { route?: { routeId: string }; cache?: { saved: string } } } }[];
        saved = records
          .filter((r) => r.metadata.proxy?.route?.routeId === cachedRoute && r.metadata.proxy?.cache)
          .map((r) => Number(r.metadata.proxy!.cache!.saved));
        return saved.length === cachedChat.hits;
      },
      "the cache hits' usage records",
      30_000,
    );
    expect(Number(of(cachedRoute).cacheSaved.amount)).toBeCloseTo(
      saved.reduce((a, b) => a + b, 0),
      12,
    );
    expect(Number(of(cachedRoute).cacheSaved.amount)).toBeGreaterThan(0);

    const outside = await tenant.keyAgent.get(`${routes()}/traffic?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`);
    expect(outside.body).toEqual({ window: { from: '2020-01-01', to: '2020-02-01' }, routes: [] });
    const inverted = await tenant.keyAgent.get(`${routes()}/traffic?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(inverted.status).toBe(400);
    expect(inverted.body.errors).toEqual([expect.objectContaining({ message: 'must be after from' })]);
  });

  it('sends a model with no route as asked, and the route no more once it is removed', async () => {
    let from = upstream.requests.length;
    await chat('gpt-4o');
    expect(asked(from)).toEqual(['gpt-4o']);
    expect((await tenant.agent.delete(`${routes()}/${routeId}`)).status).toBe(204);
    expect((await tenant.agent.delete(`${routes()}/${routeId}`)).status).toBe(404);
    from = upstream.requests.length;
    await chat('chat-default');
    expect(asked(from)).toEqual(['chat-default']);
  });
});
