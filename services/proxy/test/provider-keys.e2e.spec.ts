import Anthropic from '@anthropic-ai/sdk';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import {
  createSession,
  eventually,
  joinOrganization,
  signUp,
  startPlatformSession,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { startFakeAnthropic, type FakeAnthropic } from '../../../libs/sdk/src/testing/fake-anthropic.server';
import { CHAT_MODEL, startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(120_000);

const OPENAI_KEY = 'sk-proj-stored-openai-key-0001';
const ANTHROPIC_KEY = 'sk-ant-stored-anthropic-key-0002';
const OPERATOR_API_TOKEN = randomBytes(32).toString('base64url');

/**
 * Stored provider keys end to end: an owner stores the project's keys through the gateway, and unmodified OpenAI and
 * Anthropic clients that only changed their base URL and put their LLMLab key where the provider key goes are
 * served with them. The platform's personal-data scan (at stop) fails the test if a stored key is found in clear in
 * the database, JetStream, Redis or a log.
 */
describe('proxy: stored provider keys', () => {
  let session: PlatformSession;
  let openaiDefault: FakeOpenAI;
  let openaiStoredBase: FakeOpenAI;
  let anthropicUpstream: FakeAnthropic;
  let tenant: TestSession;
  let other: TestSession;
  let proxyUrl: string;

  beforeAll(async () => {
    [openaiDefault, openaiStoredBase, anthropicUpstream] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(), startFakeAnthropic()]);
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'proxy'],
      env: {
        PROXY_OPENAI_BASE_URL: openaiDefault.baseURL,
        PROXY_ANTHROPIC_BASE_URL: anthropicUpstream.url,
        // The second fake OpenAI is on loopback: a stored baseUrl may name it only because the operator trusts it.
        PROXY_TRUSTED_ORIGINS: new URL(openaiStoredBase.url).origin,
        PROXY_PROVIDER_KEY_CACHE_MS: '0',
        // No alerts service here (enforced budgets have their own spec): calls go through unchecked.
        PROXY_BUDGET_UNAVAILABLE: 'allow',
        // Long enough that only the revocation broadcast can explain a revoked key refused at once.
        IDENTITY_MEMORY_CACHE_MS: '600000',
        IDENTITY_REDIS_CACHE_MS: '600000',
        OPERATOR_API_TOKEN,
      },
    });
    proxyUrl = session.platform.proxyUrl;
    [tenant, other] = await Promise.all([
      createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] }),
      createSession(session.platform.gatewayUrl, { apiKeyScopes: ['admin'] }),
    ]);
  });

  afterAll(async () => {
    await session?.stop();
    await Promise.all([openaiDefault?.close(), openaiStoredBase?.close(), anthropicUpstream?.close()]);
  });

  const keysPath = (t: TestSession = tenant) => `/v1/projects/${t.projectId}/provider-keys`;
  /** An unmodified client: only its base URL changed, and its API key is the LLMLab key. */
  const openai = (base = proxyUrl) => new OpenAI({ apiKey: tenant.apiKey.key, baseURL: `${base}/proxy/openai/v1`, maxRetries: 0 });
  const anthropic = () => new Anthropic({ apiKey: tenant.apiKey.key, baseURL: `${proxyUrl}/proxy/anthropic`, maxRetries: 0 });
  const range = () => `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;

  it('refuses a client with only its LLMLab key while the project has no stored key, saying how to fix it', async () => {
    const refused = await openai()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((refused as Error).message).toContain('no stored openai key');
    expect(openaiDefault.requests).toHaveLength(0);
  });

  it('stores a key encrypted, lists it by its last 4 characters only, and never returns it', async () => {
    const stored = await tenant.agent.post(keysPath(), { provider: 'openai', key: OPENAI_KEY, baseUrl: `${openaiStoredBase.baseURL}/` });
    expect(stored.status).toBe(201);
    expect(stored.body).toEqual({
      provider: 'openai',
      baseUrl: openaiStoredBase.baseURL,
      keyHint: '0001',
      storedAt: expect.any(String),
      storedBy: `user:${tenant.id}`,
    });
    const listed = await tenant.agent.get(keysPath());
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([stored.body]);
    expect(JSON.stringify(listed.body)).not.toContain(OPENAI_KEY);

    // The event store holds the ciphertext only.
    const { rows } = await session.pool.query<{ data: string }>(
      `SELECT data::text FROM event_store.events WHERE type = 'ProviderKeyStored' AND data->>'projectId' = $1`,
      [tenant.projectId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].data).not.toContain(OPENAI_KEY);
  });

  it('serves an unmodified OpenAI client with the stored key at the stored base, and records the call', async () => {
    const { data, response } = await openai()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(data.model).toBe(CHAT_MODEL);
    expect(openaiDefault.requests).toHaveLength(0);
    const sent = openaiStoredBase.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(JSON.stringify(sent.headers)).not.toContain(tenant.apiKey.key);

    const usageId = response.headers.get('x-llmlab-usage-id')!;
    await eventually(
      async () => {
        const page = await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}/usage?${range()}&limit=200`);
        return page.body?.data?.some((r: { id: string; status: string }) => r.id === usageId && r.status === 'success') === true;
      },
      `usage record ${usageId}`,
      30_000,
    );
  });

  it("serves the same client through the gateway's /proxy edge", async () => {
    const before = openaiStoredBase.requests.length;
    await openai(session.platform.gatewayUrl).embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(openaiStoredBase.requests).toHaveLength(before + 1);
    expect(openaiStoredBase.requests.at(-1)!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it("serves an unmodified Anthropic client with the project's Anthropic key at the operator's default base", async () => {
    const stored = await tenant.agent.post(keysPath(), { provider: 'anthropic', key: ANTHROPIC_KEY });
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ provider: 'anthropic', baseUrl: null, keyHint: '0002' });
    const message = await anthropic().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(message.type).toBe('message');
    const sent = anthropicUpstream.requests.at(-1)!;
    expect(sent.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('replaces a key by storing again, and destroys the replaced key so its ciphertext opens no more', async () => {
    const replacement = 'sk-proj-replacement-key-0003';
    const stored = await tenant.agent.post(keysPath(), { provider: 'openai', key: replacement });
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ baseUrl: null, keyHint: '0003' });
    await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(openaiDefault.requests.at(-1)!.headers.authorization).toBe(`Bearer ${replacement}`);

    // One data key per stored key, and only the current keys' remain (openai's replacement, anthropic's).
    const { rows } = await session.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM proxy.provider_key_keys k
        WHERE EXISTS (SELECT 1 FROM event_store.events e
                       WHERE e.type = 'ProviderKeyStored' AND e.data->>'projectId' = $1 AND e.data->>'providerKeyId' = k.subject_id::text)`,
      [tenant.projectId],
    );
    expect(Number(rows[0].n)).toBe(2);
  });

  it('removes a key: the next call is refused, and removing again is not found', async () => {
    expect((await tenant.agent.delete(`${keysPath()}/anthropic`)).status).toBe(204);
    expect((await tenant.agent.get(keysPath())).body.map((k: { provider: string }) => k.provider)).toEqual(['openai']);
    const refused = await anthropic()
      .messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'Hello' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((await tenant.agent.delete(`${keysPath()}/anthropic`)).status).toBe(404);
    expect((await tenant.agent.delete(`${keysPath()}/mistral`)).status).toBe(404);
  });

  it('refuses bad input with a problem naming the field, and storing nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ provider: 'openai', key: 'sk-short' + ' spaced' }, '/key'],
      [{ provider: 'openai', key: tenant.apiKey.key }, '/key'],
      [{ provider: 'openai', key: 'sk-proj-valid-key-xyz', baseUrl: 'http://10.0.0.7/v1' }, '/baseUrl'],
      [{ provider: 'openai', key: 'sk-proj-valid-key-xyz', baseUrl: 'https://127.0.0.1:8443/v1' }, '/baseUrl'],
      [{ provider: 'openai', key: 'sk-proj-valid-key-xyz', baseUrl: 'https://localhost/v1' }, '/baseUrl'],
      [{ provider: 'openai', key: 'sk-proj-valid-key-xyz', baseUrl: 'not a url' }, '/baseUrl'],
    ];
    for (const [body, field] of cases) {
      const res = await tenant.agent.post(keysPath(), body);
      expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
        status: 400,
        type: expect.stringContaining('problem+json'),
      });
      expect(JSON.stringify(res.body)).toContain(field);
    }
    const unknown = await tenant.agent.post(keysPath(), { provider: 'acme', key: 'sk-proj-valid-key-xyz' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('provider');
    expect((await tenant.agent.get(keysPath())).body).toHaveLength(1);
  });

  it("keeps another tenant, an API key and a member out of a project's keys", async () => {
    const path = keysPath();
    // Another organization's owner: the project is not theirs.
    for (const res of [
      await other.agent.get(path),
      await other.agent.post(path, { provider: 'openai', key: 'sk-proj-intruder-key-9999' }),
      await other.agent.delete(`${path}/openai`),
    ])
      expect([403, 404]).toContain(res.status);
    // Even an admin-scoped API key of the project itself: users only.
    const ownKey = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['admin'] });
    expect((await ownKey.keyAgent.get(keysPath(ownKey))).status).toBe(403);
    expect((await ownKey.keyAgent.post(keysPath(ownKey), { provider: 'openai', key: 'sk-proj-by-a-key-0000' })).status).toBe(403);
    // A member of the organization: owners and admins only.
    const member = await signUp(session.platform.gatewayUrl);
    await joinOrganization(session.platform.mailbox, tenant.agent, tenant.organizationId, member, 'member');
    expect((await member.agent.get(path)).status).toBe(403);
    expect((await member.agent.post(path, { provider: 'openai', key: 'sk-proj-by-a-member-0000' })).status).toBe(403);
    expect((await member.agent.delete(`${path}/openai`)).status).toBe(403);
    // The tenant's key is untouched, and still the one used.
    expect((await tenant.agent.get(path)).body).toMatchObject([{ provider: 'openai', keyHint: '0003' }]);
    // And the other tenant's LLMLab key (admin scope, which includes ingest) gets its own project's keys: none.
    const intruder = await new OpenAI({ apiKey: other.apiKey.key, baseURL: `${proxyUrl}/proxy/openai/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(intruder).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((intruder as Error).message).toContain('no stored openai key');
  });

  it("counts proxied calls against the key's hourly ingest limit, and answers 429 past it", async () => {
    const limited = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest'] });
    const set = await session.anonymous.request(
      'PUT',
      `/v1/operator/organizations/${limited.organizationId}/rate-limits`,
      {
        managementPerHour: null,
        ingestPerHour: 3,
      },
      { authorization: `Bearer ${OPERATOR_API_TOKEN}` },
    );
    expect(set.status).toBe(200);
    const client = new OpenAI({
      apiKey: 'sk-callers-own-key',
      baseURL: `${proxyUrl}/proxy/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-LLMLab-Key': limited.apiKey.key },
    });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    for (let i = 0; i < 3; i++) await ask();
    const refused = await ask().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
    expect(Number((refused as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a revoked LLMLab key within moments, not after the identity cache lifetime', async () => {
    const key = await tenant.agent.post(`/v1/projects/${tenant.projectId}/api-keys`, { name: 'to revoke', scopes: ['ingest'] });
    expect(key.status).toBe(201);
    const client = new OpenAI({ apiKey: key.body.key, baseURL: `${proxyUrl}/proxy/openai/v1`, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await ask(); // the key is now in the proxy's memory for IDENTITY_MEMORY_CACHE_MS (10 minutes here)
    expect((await tenant.agent.delete(`/v1/projects/${tenant.projectId}/api-keys/${key.body.id}`)).status).toBe(204);
    await eventually(
      async () => (await ask().catch((e: unknown) => e)) instanceof OpenAI.AuthenticationError,
      'the revoked key refused by the proxy',
      5_000,
    );
  });
});
