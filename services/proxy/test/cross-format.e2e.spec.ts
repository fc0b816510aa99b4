import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createSession, eventually, startPlatformSession, type PlatformSession, type TestSession } from '@llmlab/testing';
import { MESSAGE_MODEL, startFakeAnthropic, type FakeAnthropic } from '../../../libs/sdk/src/testing/fake-anthropic.server';
import { CHAT_MODEL, startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(120_000);

const OPENAI_KEY = 'sk-proj-stored-openai-key-0101';
const ANTHROPIC_KEY = 'sk-ant-stored-anthropic-key-0202';
/** The fake Anthropic's usage, as the platform counts it: the cache reads and writes are input too. */
const ANTHROPIC_TOKENS = { inputTokens: 12 + 4_096 + 2_048, outputTokens: 40, cachedInputTokens: 4_096, cacheWriteTokens: 2_048 };
/** The fake OpenAI's chat usage. */
const OPENAI_TOKENS = { inputTokens: 1_200, outputTokens: 80, cachedInputTokens: 1_024, reasoningTokens: 32 };

interface UsageRecord {
  id: string;
  provider: string;
  model: string;
  status: string;
  errorType: string | null;
  usage: Record<string, number>;
  metadata: { proxy: { route?: { targets: { provider: string; model: string; result: string; reason?: string }[] } } };
}

/**
 * Cross-format fallbacks end to end: a route whose targets are of both formats serves unmodified OpenAI and
 * Anthropic clients; a target of the other format gets the chat call translated, with the project's stored key of
 * its provider, and its answer (JSON, stream, error) comes back in the caller's format. The usage record names the
 * provider and model that answered.
 */
describe('proxy: fallbacks across formats', () => {
  let session: PlatformSession;
  let openaiUpstream: FakeOpenAI;
  let anthropicUpstream: FakeAnthropic;
  /** Another provider speaking OpenAI's format at its own address (Groq, Azure OpenAI...). */
  let compatibleUpstream: FakeOpenAI;
  let tenant: TestSession;
  let proxyUrl: string;

  beforeAll(async () => {
    [openaiUpstream, anthropicUpstream, compatibleUpstream] = await Promise.all([
      startFakeOpenAI(),
      startFakeAnthropic(),
      startFakeOpenAI({ answer: ({ body }) => ({ model: String(body.model) }) }),
    ]);
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'proxy'],
      env: {
        PROXY_OPENAI_BASE_URL: openaiUpstream.baseURL,
        PROXY_ANTHROPIC_BASE_URL: anthropicUpstream.url,
        PROXY_BUDGET_UNAVAILABLE: 'allow',
        PROXY_PROVIDER_KEY_CACHE_MS: '0',
        // One try per target: a failure moves to the next target at once; the breakers stay closed throughout.
        PROXY_UPSTREAM_MAX_RETRIES: '0',
        PROXY_BREAKER_FAILURE_THRESHOLD: '1000',
        // The compatible provider's stored base is a local address: trusted by the operator.
        PROXY_TRUSTED_ORIGINS: new URL(compatibleUpstream.baseURL).origin,
      },
    });
    proxyUrl = session.platform.proxyUrl;
    tenant = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
    const keys = `/v1/projects/${tenant.projectId}/provider-keys`;
    expect((await tenant.agent.post(keys, { provider: 'openai', key: OPENAI_KEY })).status).toBe(201);
    expect((await tenant.agent.post(keys, { provider: 'anthropic', key: ANTHROPIC_KEY })).status).toBe(201);
    for (const [model, targets] of [
      ['chat-default', [openaiTarget, claudeTarget]],
      ['claude-default', [claudeTarget, openaiTarget]],
    ] as const) {
      const set = await tenant.agent.put(routesOf(tenant), { model, targets });
      expect(set.status).toBe(200);
      expect(set.body.targets).toEqual(targets);
    }
  });

  afterAll(async () => {
    await session?.stop();
    await Promise.all([openaiUpstream?.close(), anthropicUpstream?.close(), compatibleUpstream?.close()]);
  });

  const openaiTarget = { provider: 'openai', model: 'gpt-4o-mini' };
  const claudeTarget = { provider: 'anthropic', model: 'claude-haiku-4-5' };
  const routesOf = (t: TestSession) => `/v1/projects/${t.projectId}/routes`;
  /** Unmodified clients whose API key is the LLMLab key: the project's stored keys go upstream. */
  const openai = (apiKey = tenant.apiKey.key) => new OpenAI({ apiKey, baseURL: `${proxyUrl}/proxy/openai/v1`, maxRetries: 0 });
  const anthropic = () => new Anthropic({ apiKey: tenant.apiKey.key, baseURL: `${proxyUrl}/proxy/anthropic`, maxRetries: 0 });
  const failOpenAI = () => openaiUpstream.failNext({ status: 500, type: 'server_error', message: 'The server had an error' });
  const failAnthropic = () => anthropicUpstream.failNext({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
  const askedOpenAI = (from: number) => openaiUpstream.requests.slice(from).map((r) => (r.body as { model: string }).model);
  const askedAnthropic = (from: number) => anthropicUpstream.requests.slice(from);

  async function recorded(usageId: string | null, t: TestSession = tenant): Promise<UsageRecord> {
    let found: UsageRecord | undefined;
    await eventually(
      async () => {
        const page = await t.keyAgent.get(`/v1/projects/${t.projectId}/usage?limit=200`);
        found = page.body?.data?.find((r: UsageRecord) => r.id === usageId);
        return found !== undefined;
      },
      `usage record ${usageId}`,
      30_000,
    );
    return found!;
  }

  it('falls back from a failing OpenAI target to an Anthropic one: an OpenAI chat completion, system prompt carried', async () => {
    const [fromOpenAI, fromAnthropic] = [openaiUpstream.requests.length, anthropicUpstream.requests.length];
    failOpenAI();
    const { data, response } = await openai()
      .chat.completions.create({
        model: 'chat-default',
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Say hello' },
        ],
        max_completion_tokens: 256,
      })
      .withResponse();
    expect(askedOpenAI(fromOpenAI)).toEqual(['gpt-4o-mini']);

    expect(data).toMatchObject({ object: 'chat.completion', model: MESSAGE_MODEL });
    expect(data.choices).toEqual([
      expect.objectContaining({ index: 0, finish_reason: 'stop', message: expect.objectContaining({ content: 'Hello! How can I help?' }) }),
    ]);
    expect(data.usage).toMatchObject({
      prompt_tokens: ANTHROPIC_TOKENS.inputTokens,
      completion_tokens: 40,
      prompt_tokens_details: { cached_tokens: 4_096 },
    });

    // An Anthropic request: the system prompt in its place, the stored Anthropic key, nothing of the OpenAI caller's.
    const [sent] = askedAnthropic(fromAnthropic);
    expect(sent.url).toBe('/v1/messages');
    expect(sent.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      system: 'Answer in French.',
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    expect(sent.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent.headers['anthropic-version']).toBe('2026-10-21');
    expect(sent.headers.authorization).toBeUndefined();
    expect(Object.keys(sent.headers).filter((h) => /^(x-stainless|openai-)/.test(h))).toEqual([]);

    const record = await recorded(response.headers.get('x-llmlab-usage-id'));
    expect(record).toMatchObject({ provider: 'anthropic', model: MESSAGE_MODEL, status: 'success', usage: ANTHROPIC_TOKENS });
    expect(record.metadata.proxy.route?.targets).toEqual([
      { provider: 'openai', model: 'gpt-4o-mini', result: 'retries-exhausted', attempts: 1 },
      { provider: 'anthropic', model: 'claude-haiku-4-5', result: 'answered', attempts: 1 },
    ]);
  });

  it('streams the Anthropic fallback to an OpenAI client chunk by chunk, with the usage it asked for', async () => {
    failOpenAI();
    const { data: stream, response } = await openai()
      .chat.completions.create({
        model: 'chat-default',
        messages: [{ role: 'user', content: 'Say hello' }],
        max_tokens: 64,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello! How can I help?');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: ANTHROPIC_TOKENS.inputTokens, completion_tokens: 40 } });

    const record = await recorded(response.headers.get('x-llmlab-usage-id'));
    expect(record).toMatchObject({ provider: 'anthropic', model: MESSAGE_MODEL, status: 'success', usage: ANTHROPIC_TOKENS });
  });

  it('keeps the usage chunk from a stream that did not ask for it, and records the usage all the same', async () => {
    failOpenAI();
    const { data: stream, response } = await openai()
      .chat.completions.create({ model: 'chat-default', messages: [{ role: 'user', content: 'Say hello' }], stream: true })
      .withResponse();
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello! How can I help?');
    // No limit in the request: the operator's default, which Anthropic requires.
    expect((anthropicUpstream.requests.at(-1)!.body as { max_tokens: number }).max_tokens).toBe(4_096);
    const record = await recorded(response.headers.get('x-llmlab-usage-id'));
    expect(record).toMatchObject({ provider: 'anthropic', status: 'success', usage: ANTHROPIC_TOKENS });
  });

  it('falls back from a failing Anthropic target to an OpenAI one for an Anthropic client, streamed and not', async () => {
    const fromOpenAI = openaiUpstream.requests.length;
    failAnthropic();
    const stream = anthropic().messages.stream({
      model: 'claude-default',
      max_tokens: 128,
      system: 'Answer in French.',
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    const events: Anthropic.MessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const message = await stream.finalMessage();
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]),
    );
    expect(message).toMatchObject({
      model: CHAT_MODEL,
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hello! How can I help?' }],
      usage: { input_tokens: 1_200 - 1_024, output_tokens: 80, cache_read_input_tokens: 1_024 },
    });
    const sent = openaiUpstream.requests.slice(fromOpenAI);
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('/v1/chat/completions');
    expect(sent[0].body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Say hello' },
      ],
      max_completion_tokens: 128,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(sent[0].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(Object.keys(sent[0].headers).filter((h) => /^(x-api-key|anthropic-|x-stainless)/.test(h))).toEqual([]);

    const usageId = (await stream.withResponse()).response.headers.get('x-llmlab-usage-id');
    const record = await recorded(usageId);
    expect(record).toMatchObject({ provider: 'openai', model: CHAT_MODEL, status: 'success', usage: OPENAI_TOKENS });
    expect(record.metadata.proxy.route?.targets.map((t) => `${t.provider} ${t.result}`)).toEqual([
      'anthropic retries-exhausted',
      'openai answered',
    ]);

    failAnthropic();
    const plain = await anthropic().messages.create({
      model: 'claude-default',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(plain).toMatchObject({ type: 'message', role: 'assistant', model: CHAT_MODEL, stop_reason: 'end_turn' });
    expect(plain.content).toEqual([{ type: 'text', text: 'Hello! How can I help?' }]);
  });

  it("answers the last target's error in the caller's format, so its SDK raises it", async () => {
    failOpenAI();
    failAnthropic();
    const failed = await openai()
      .chat.completions.create({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 })
      .withResponse()
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(529);
    expect((failed as InstanceType<typeof OpenAI.APIError>).code).toBe('overloaded_error');
    expect((failed as Error).message).toContain('Overloaded');
  });

  it('never sends a request that does not translate (n: 2) to the other format, and says so in the record', async () => {
    const fromAnthropic = anthropicUpstream.requests.length;
    failOpenAI();
    const failed = await openai()
      .chat.completions.create({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }], n: 2 })
      .withResponse()
      .catch((e: unknown) => e);
    // The OpenAI target's own error, as no other target could take the call.
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(askedAnthropic(fromAnthropic)).toEqual([]);
    const usageId = (failed as InstanceType<typeof OpenAI.APIError>).headers?.get('x-llmlab-usage-id') ?? null;
    const record = await recorded(usageId);
    expect(record).toMatchObject({ provider: 'openai', status: 'error', errorType: 'http_500' });
    expect(record.metadata.proxy.route?.targets).toEqual([
      { provider: 'openai', model: 'gpt-4o-mini', result: 'retries-exhausted', attempts: 1 },
      {
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        result: 'skipped',
        attempts: 0,
        reason: 'n: Anthropic returns one choice per request',
      },
    ]);

    // A route of Anthropic targets only: refused before any call, naming why.
    expect((await tenant.agent.put(routesOf(tenant), { model: 'claude-only', targets: [claudeTarget] })).status).toBe(200);
    const refused = await openai()
      .chat.completions.create({ model: 'claude-only', messages: [{ role: 'user', content: 'hi' }], n: 2 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain('n: Anthropic returns one choice per request');
    // Nor another operation than chat.
    const embedded = await openai()
      .embeddings.create({ model: 'claude-only', input: 'hello' })
      .catch((e: unknown) => e);
    expect(embedded).toBeInstanceOf(OpenAI.BadRequestError);
    expect((embedded as Error).message).toContain('only chat');
    expect(askedAnthropic(fromAnthropic)).toEqual([]);
  });

  it("skips a target of the other format when the project has no stored key for it, never sending the caller's own key", async () => {
    const other = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
    expect((await other.agent.put(routesOf(other), { model: 'chat-default', targets: [openaiTarget, claudeTarget] })).status).toBe(200);
    const fromAnthropic = anthropicUpstream.requests.length;
    failOpenAI();
    // The caller's own OpenAI key: for OpenAI only.
    const client = new OpenAI({
      apiKey: 'sk-callers-own-openai-key',
      baseURL: `${proxyUrl}/proxy/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-LLMLab-Key': other.apiKey.key },
    });
    const failed = await client.chat.completions
      .create({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(askedAnthropic(fromAnthropic)).toEqual([]);
    const record = await recorded((failed as InstanceType<typeof OpenAI.APIError>).headers?.get('x-llmlab-usage-id') ?? null, other);
    expect(record.metadata.proxy.route?.targets[1]).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      result: 'skipped',
      attempts: 0,
      reason: 'this project has no stored anthropic key',
    });
  });

  it("serves a caller whose project has no key of the caller's format through a route to the other format", async () => {
    const other = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
    expect(
      (await other.agent.post(`/v1/projects/${other.projectId}/provider-keys`, { provider: 'anthropic', key: ANTHROPIC_KEY })).status,
    ).toBe(201);
    expect((await other.agent.put(routesOf(other), { model: 'claude-only', targets: [claudeTarget] })).status).toBe(200);
    const client = openai(other.apiKey.key);
    const { data, response } = await client.chat.completions
      .create({ model: 'claude-only', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(anthropicUpstream.requests.at(-1)!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    const record = await recorded(response.headers.get('x-llmlab-usage-id'), other);
    expect(record).toMatchObject({ provider: 'anthropic', model: MESSAGE_MODEL, status: 'success' });
    // Without such a route, the call has no key to go with: 401, as before.
    const refused = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((refused as Error).message).toContain('this project has no stored openai key');
  });

  it("falls back to another provider of the caller's format (Groq, Azure OpenAI) with its stored key and base, untranslated", async () => {
    const keys = `/v1/projects/${tenant.projectId}/provider-keys`;
    const base = compatibleUpstream.baseURL;
    const azureRefused = await tenant.agent.post(keys, { provider: 'azure', key: 'azure-resource-key-0303' });
    expect(azureRefused.status).toBe(400);
    expect(azureRefused.body.errors).toEqual([{ field: '/baseUrl', message: expect.stringContaining('required for azure') }]);
    expect((await tenant.agent.post(keys, { provider: 'groq', key: 'gsk_stored-groq-key-0404', baseUrl: base })).status).toBe(201);
    expect((await tenant.agent.post(keys, { provider: 'azure', key: 'azure-resource-key-0303', baseUrl: base })).status).toBe(201);
    const targets = [
      openaiTarget,
      { provider: 'groq', model: 'llama-3.3-70b-versatile' },
      { provider: 'azure', model: 'gpt-4o-deployment' },
    ];
    expect((await tenant.agent.put(routesOf(tenant), { model: 'fast-chat', targets })).status).toBe(200);

    failOpenAI();
    const { data, response } = await openai()
      .chat.completions.create({ model: 'fast-chat', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.model).toBe('llama-3.3-70b-versatile');
    const sent = compatibleUpstream.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer gsk_stored-groq-key-0404');
    expect((sent.body as { model: string; messages: unknown[] }).messages).toEqual([{ role: 'user', content: 'hi' }]);
    const record = await recorded(response.headers.get('x-llmlab-usage-id'));
    expect(record).toMatchObject({ provider: 'groq', model: 'llama-3.3-70b-versatile', status: 'success', usage: OPENAI_TOKENS });

    // Azure OpenAI reads its key from `api-key`.
    failOpenAI();
    compatibleUpstream.failNext({ status: 503, type: 'server_error', message: 'Groq is over capacity' });
    const azure = await openai().chat.completions.create({ model: 'fast-chat', messages: [{ role: 'user', content: 'hi' }] });
    expect(azure.model).toBe('gpt-4o-deployment');
    const toAzure = compatibleUpstream.requests.at(-1)!;
    expect([toAzure.headers['api-key'], toAzure.headers.authorization]).toEqual(['azure-resource-key-0303', undefined]);
  });
});
