import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createSession, eventually, startPlatformSession, type PlatformSession, type TestSession } from '@llmlab/testing';
import { MESSAGE_MODEL, startFakeAnthropic, type FakeAnthropic } from '../../../libs/sdk/src/testing/fake-anthropic.server';
import { CHAT_MODEL, EMBEDDING_MODEL, startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(120_000);

/**
 * The proxy end to end: the real `openai` and `@anthropic-ai/sdk` clients pointed at the proxy service, which
 * authenticates their LLMLab key against the auth service, forwards to local servers speaking the providers' wire
 * formats with the caller's own provider key, and records each call through INGEST, the ingestion service's pricing
 * and ledger, read back through the gateway.
 */
describe('proxy: OpenAI and Anthropic clients with their own provider keys', () => {
  let session: PlatformSession;
  let openaiUpstream: FakeOpenAI;
  let anthropicUpstream: FakeAnthropic;
  let tenant: TestSession;
  let other: TestSession;
  let spool: string;
  let proxyUrl: string;

  beforeAll(async () => {
    [openaiUpstream, anthropicUpstream] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    spool = mkdtempSync(join(tmpdir(), 'llmlab-proxy-e2e-'));
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'proxy'],
      env: {
        PROXY_OPENAI_BASE_URL: openaiUpstream.baseURL,
        PROXY_ANTHROPIC_BASE_URL: anthropicUpstream.url,
        PROXY_SPOOL_DIR: spool,
        // No alerts service here (enforced budgets have their own spec): calls go through unchecked.
        PROXY_BUDGET_UNAVAILABLE: 'allow',
      },
    });
    proxyUrl = session.platform.proxyUrl;
    [tenant, other] = await Promise.all([
      createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] }),
      createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] }),
    ]);
  });

  afterAll(async () => {
    await session?.stop();
    await Promise.all([openaiUpstream?.close(), anthropicUpstream?.close()]);
    rmSync(spool, { recursive: true, force: true });
  });

  const openai = (headers: Record<string, string> = {}, key = tenant.apiKey.key) =>
    new OpenAI({
      apiKey: 'sk-callers-own-key',
      baseURL: `${proxyUrl}/proxy/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-LLMLab-Key': key, ...headers },
    });
  const anthropic = (headers: Record<string, string> = {}) =>
    new Anthropic({
      apiKey: 'sk-ant-callers-own-key',
      baseURL: `${proxyUrl}/proxy/anthropic`,
      maxRetries: 0,
      defaultHeaders: { 'X-LLMLab-Key': tenant.apiKey.key, ...headers },
    });
  const range = () => `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
  /** The usage record of a proxied call, once the pipeline has it. */
  const recordOf = async (t: TestSession, usageId: string) => {
    let found: Record<string, any> | undefined;
    await eventually(
      async () => {
        const page = await t.keyAgent.get(`/v1/projects/${t.projectId}/usage?${range()}&limit=200`);
        found = page.body?.data?.find((r: { id: string }) => r.id === usageId);
        return found !== undefined;
      },
      `usage record ${usageId}`,
      30_000,
    );
    return found!;
  };

  it('answers a chat completion exactly as the provider did, and records it with its usage, tags and end user', async () => {
    const messages = [{ role: 'user' as const, content: 'Say hello' }];
    const direct = await new OpenAI({ apiKey: 'x', baseURL: openaiUpstream.baseURL, maxRetries: 0 }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
    });
    const { data, response } = await openai({ 'X-LLMLab-Tags': 'feature=search, team=core', 'X-LLMLab-User': 'user-42' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages })
      .withResponse();
    expect({ ...data, id: 'x', created: 0 }).toEqual({ ...direct, id: 'x', created: 0 });
    const usageId = response.headers.get('x-llmlab-usage-id')!;
    expect(usageId).toMatch(/^[0-9a-f-]{36}$/);
    // The caller's provider key went upstream, its LLMLab key did not.
    const sent = openaiUpstream.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer sk-callers-own-key');
    expect(Object.keys(sent.headers).filter((h) => h.startsWith('x-llmlab'))).toEqual([]);

    const record = await recordOf(tenant, usageId);
    expect(record).toMatchObject({
      provider: 'openai',
      model: CHAT_MODEL,
      status: 'success',
      userId: 'user-42',
      tags: { feature: 'search', team: 'core' },
      usage: { inputTokens: 1_200, outputTokens: 80, cachedInputTokens: 1_024, reasoningTokens: 32 },
      cost: { status: 'priced' },
    });
    expect(Number(record.cost.amount)).toBeGreaterThan(0);
    // The whole answer carries its cost, the amount its record has.
    expect(response.headers.get('x-llmlab-cost-status')).toBe('priced');
    expect(response.headers.get('x-llmlab-cost')).toBe(record.cost.amount);
  });

  it('streams chunk by chunk, asks for usage in the stream and keeps that chunk from a caller who did not ask', async () => {
    const { data: stream, response } = await openai()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream' }], stream: true })
      .withResponse();
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).not.toBe('');
    expect((openaiUpstream.requests.at(-1)!.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });

    const record = await recordOf(tenant, response.headers.get('x-llmlab-usage-id')!);
    expect(record).toMatchObject({ model: CHAT_MODEL, status: 'success', usage: { inputTokens: 1_200, outputTokens: 80 } });
    expect(record.metadata).toEqual({ proxy: { operation: 'chat.completions', status: 200, stream: true } });
    // A stream is never held: its cost is its record's (`x-llmlab-usage-id`), not a header.
    expect(response.headers.get('x-llmlab-cost')).toBeNull();
  });

  it('records embeddings, and passes through what it does not record (the model list)', async () => {
    const { response } = await openai().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse();
    const record = await recordOf(tenant, response.headers.get('x-llmlab-usage-id')!);
    expect(record).toMatchObject({ model: EMBEDDING_MODEL, usage: { inputTokens: 8, outputTokens: 0 } });

    // The fake provider has no model list: its own 404 comes back through the proxy, and nothing is recorded.
    const listed = await openai()
      .models.list()
      .catch((e: unknown) => e);
    expect(listed).toBeInstanceOf(OpenAI.NotFoundError);
    expect((listed as Error).message).toContain('Unknown path /v1/models');
    expect((listed as InstanceType<typeof OpenAI.APIError>).headers?.get('x-llmlab-usage-id')).toBeFalsy();
  });

  it('answers an Anthropic message, plain and streamed, and records both with the cache counts', async () => {
    const client = anthropic();
    const { data: message, response } = await client.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(message.content[0]).toMatchObject({ type: 'text' });
    // The SDK sends its key as a bearer token; the proxy passes whichever header the caller used.
    const sent = anthropicUpstream.requests.at(-1)!.headers;
    expect(sent.authorization ?? sent['x-api-key']).toMatch(/sk-ant-callers-own-key/);
    expect(Object.keys(sent).filter((h) => h.startsWith('x-llmlab'))).toEqual([]);
    const plain = await recordOf(tenant, response.headers.get('x-llmlab-usage-id')!);
    expect(response.headers.get('x-llmlab-cost')).toBe(plain.cost.amount);
    expect(plain).toMatchObject({
      provider: 'anthropic',
      model: MESSAGE_MODEL,
      usage: { inputTokens: 12 + 2_048 + 4_096, outputTokens: 40, cachedInputTokens: 4_096, cacheWriteTokens: 2_048 },
    });

    const { data: stream, response: streamed } = await client.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .withResponse();
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    const record = await recordOf(tenant, streamed.headers.get('x-llmlab-usage-id')!);
    expect(record).toMatchObject({ model: MESSAGE_MODEL, status: 'success', usage: { outputTokens: 40, cachedInputTokens: 4_096 } });
  });

  it("passes a provider's error through to the client, and records the call as an error with its status", async () => {
    openaiUpstream.failNext({ status: 429, type: 'rate_limit_error', message: 'Slow down', headers: { 'retry-after': '1' } });
    const error = await openai()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).message).toContain('Slow down');
    const usageId = (error as InstanceType<typeof OpenAI.APIError>).headers?.get?.('x-llmlab-usage-id') as string;
    const record = await recordOf(tenant, usageId);
    expect(record).toMatchObject({ status: 'error', errorType: 'http_429', model: 'gpt-4o-mini' });
  });

  it('refuses a call without a valid LLMLab key, or with a key that cannot record usage, before it reaches the provider', async () => {
    const before = openaiUpstream.requests.length;
    const unknown = await openai({}, 'llm_live_notakey')
      .models.list()
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((unknown as Error).message).toContain('X-LLMLab-Key');
    const missing = await new OpenAI({ apiKey: 'sk-only-provider', baseURL: `${proxyUrl}/proxy/openai/v1`, maxRetries: 0 }).models
      .list()
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.AuthenticationError);
    const readOnly = await tenant.agent.post(`/v1/projects/${tenant.projectId}/api-keys`, { name: 'read only', scopes: ['read'] });
    const refused = await openai({}, readOnly.body.key)
      .models.list()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const badTags = await openai({ 'X-LLMLab-Tags': 'no-equals-sign' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(badTags).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badTags as Error).message).toContain('X-LLMLab-Tags');
    expect(openaiUpstream.requests.length).toBe(before);
  });

  it("is reached through the gateway's port too, streams included", async () => {
    const viaGateway = new OpenAI({
      apiKey: 'sk-callers-own-key',
      baseURL: `${session.platform.gatewayUrl}/proxy/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-LLMLab-Key': tenant.apiKey.key },
    });
    const { response } = await viaGateway.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    await recordOf(tenant, response.headers.get('x-llmlab-usage-id')!);
    const stream = await viaGateway.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).not.toBe('');
    const refused = await new Anthropic({
      apiKey: 'llm_live_notakey',
      baseURL: `${session.platform.gatewayUrl}/proxy/anthropic`,
      maxRetries: 0,
    }).messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('serves calls on its data port only, and its metrics and health on its service port only', async () => {
    const service = session.platform.serviceUrl('proxy');
    const metrics = await fetch(`${service}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('llmlab_proxy_spool_backlog_batches');
    for (const path of ['/metrics', '/health', '/health/ready']) {
      const res = await fetch(`${proxyUrl}${path}`);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 404, 'application/problem+json']);
      expect(await res.text()).not.toContain('llmlab_');
    }
    const call = await fetch(`${service}/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(call.status).toBe(404);
  });

  it('answers 503, without calling the provider, when the key cannot be checked (the auth service is down)', async () => {
    const fresh = await tenant.agent.post(`/v1/projects/${tenant.projectId}/api-keys`, { name: 'unused yet', scopes: ['ingest'] });
    const before = openaiUpstream.requests.length;
    await session.platform.stopService('auth');
    try {
      const refused = await openai({}, fresh.body.key)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect((refused as Error).message).toContain('cannot be checked now');
      expect(openaiUpstream.requests.length).toBe(before);
    } finally {
      await session.platform.startService('auth');
    }
  });

  it('answers 502 when the provider cannot be reached, and records the call as an error the caller can look up', async () => {
    const unreachable = anthropicUpstream;
    await unreachable.close();
    anthropicUpstream = undefined as unknown as FakeAnthropic;
    const error = await anthropic()
      .messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
    const usageId = (error as InstanceType<typeof Anthropic.APIError>).headers?.get('x-llmlab-usage-id') as string;
    const record = await recordOf(tenant, usageId);
    expect(record).toMatchObject({ status: 'error', errorType: 'upstream_unreachable', metadata: { proxy: { operation: 'messages' } } });
  });

  it("records a call in its caller's project only: another tenant never sees it", async () => {
    const { response } = await openai({}, other.apiKey.key)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Mine' }] })
      .withResponse();
    const usageId = response.headers.get('x-llmlab-usage-id')!;
    await recordOf(other, usageId);
    const page = await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}/usage?${range()}&limit=200`);
    expect(page.body.data.map((r: { id: string }) => r.id)).not.toContain(usageId);
    const cross = await tenant.keyAgent.get(`/v1/projects/${other.projectId}/usage?${range()}`);
    expect(cross.status).toBe(404);
  });
});
