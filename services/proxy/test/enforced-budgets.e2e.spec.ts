import OpenAI from 'openai';
import { createSession, eventually, startPlatformSession, type PlatformSession, type TestSession } from '@llmlab/testing';
import { startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(180_000);

/** At the price in force for the fake's answer (gpt-4o-mini: 176 input, 1,024 cached input, 80 output tokens). */
const CALL_COST = 0.0001512;

/**
 * Enforced budgets end to end: a budget marked `enforce` in the alerts service, its spend from the ledger (ingestion,
 * then the alerts service's aggregates), and the proxy holding each call's estimate on it atomically in Redis before
 * forwarding, settled to the priced cost after. 100 real OpenAI clients at once cannot push it past its amount.
 */
describe('proxy: enforced budgets', () => {
  let session: PlatformSession;
  let upstream: FakeOpenAI;
  let tenant: TestSession;
  let proxyUrl: string;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'alerts', 'proxy'],
      env: { PROXY_OPENAI_BASE_URL: upstream.baseURL, PROXY_BUDGET_CACHE_MS: '0', PROXY_BUDGET_STALE_MS: '1' },
    });
    proxyUrl = session.platform.proxyUrl;
    tenant = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
  });

  afterAll(async () => {
    await session?.stop();
    await upstream?.close();
  });

  const budgets = () => `/v1/organizations/${tenant.organizationId}/budgets`;
  const openai = (headers: Record<string, string> = {}) =>
    new OpenAI({
      apiKey: 'sk-callers-own-key',
      baseURL: `${proxyUrl}/proxy/openai/v1`,
      maxRetries: 2,
      defaultHeaders: { 'X-LLMLab-Key': tenant.apiKey.key, ...headers },
    });
  const chat = (client: OpenAI) =>
    client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 400, messages: [{ role: 'user', content: 'Say hello' }] });

  it('refuses enforcement where the proxy cannot tell a call belongs (an end user), naming the field', async () => {
    const res = await tenant.agent.post(budgets(), {
      name: 'per user',
      scope: { type: 'end_user', userId: 'user-1' },
      period: 'monthly',
      amount: { amount: '1', currency: 'USD' },
      enforce: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: '/enforce', message: expect.any(String) }]);
  });

  it('lets a tag budget stop only the calls carrying its tag, and a budget that is not enforced stop none', async () => {
    const tagged = await tenant.agent.post(budgets(), {
      name: 'search feature',
      scope: { type: 'tag', key: 'feature', value: 'search' },
      period: 'monthly',
      amount: { amount: '0.0000001', currency: 'USD' },
      enforce: true,
    });
    expect(tagged.status).toBe(201);
    expect(tagged.body.enforce).toBe(true);
    const alertsOnly = await tenant.agent.post(budgets(), {
      name: 'alerts only',
      scope: { type: 'project', projectId: tenant.projectId },
      period: 'monthly',
      amount: { amount: '0.0000001', currency: 'USD' },
    });
    expect(alertsOnly.body.enforce).toBe(false);

    const refused = await chat(openai({ 'X-LLMLab-Tags': 'feature=search' })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toContain('search feature');
    expect(error.headers?.get('x-should-retry')).toBe('false');
    // The body names the budget for any client that reads it.
    const raw = await fetch(`${proxyUrl}/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-callers-own-key',
        'x-llmlab-key': tenant.apiKey.key,
        'x-llmlab-tags': 'feature=search',
      },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(raw.status).toBe(429);
    expect(await raw.json()).toMatchObject({
      error: { type: 'insufficient_quota', code: 'budget_exceeded' },
      budget: { id: tagged.body.id, name: 'search feature', amount: '0.0000001', currency: 'USD', periodEnd: expect.any(String) },
    });
    // Another tag, or none: not covered.
    await chat(openai({ 'X-LLMLab-Tags': 'feature=chat' }));
    await chat(openai());

    // The refusal is recorded, at no cost, naming the budget.
    const usageId = error.headers?.get('x-llmlab-usage-id');
    await eventually(
      async () => {
        const page = await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}/usage?limit=200`);
        const record = page.body?.data?.find((r: { id: string }) => r.id === usageId);
        return record?.status === 'error' && record.errorType === 'budget_exceeded' && record.metadata.proxy.budgetId === tagged.body.id;
      },
      'the refused call recorded',
      30_000,
    );
    expect((await tenant.agent.delete(`/v1/budgets/${tagged.body.id}`)).status).toBe(204);
    expect((await tenant.agent.delete(`/v1/budgets/${alertsOnly.body.id}`)).status).toBe(204);
  });

  it('lets 100 clients at once spend no more than the budget, and refuses the rest with 429 naming it', async () => {
    // Enforced from the start; its amount is set to the spend so far (the two calls above) plus room for ten calls.
    const budget = await tenant.agent.post(budgets(), {
      name: 'project hard cap',
      scope: { type: 'project', projectId: tenant.projectId },
      period: 'monthly',
      amount: { amount: '100', currency: 'USD' },
      enforce: true,
    });
    expect(budget.status).toBe(201);
    let spent = 0;
    await eventually(
      async () => {
        spent = Number((await tenant.agent.get(`/v1/budgets/${budget.body.id}`)).body.current.spend.amount);
        return spent >= 2 * CALL_COST - 1e-9;
      },
      'the earlier calls in the ledger',
      30_000,
    );
    const amount = (spent + 10 * CALL_COST).toFixed(7);
    expect((await tenant.agent.patch(`/v1/budgets/${budget.body.id}`, { amount: { amount, currency: 'USD' } })).status).toBe(200);

    const client = openai();
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => chat(client)));
    const served = results.filter((r) => r.status === 'fulfilled').length;
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as InstanceType<typeof OpenAI.APIError>] : []));
    expect(served).toBeGreaterThan(0);
    expect(refusals.length).toBe(100 - served);
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
      expect(refusal.message).toContain(budget.body.id);
    }
    // What was served cost no more than the budget had room for.
    expect(spent + served * CALL_COST).toBeLessThanOrEqual(Number(amount) + 1e-9);

    // The ledger agrees, and once it has every call, a new one is still refused.
    await eventually(
      async () => {
        const view = await tenant.agent.get(`/v1/budgets/${budget.body.id}`);
        return Math.abs(Number(view.body.current.spend.amount) - (spent + served * CALL_COST)) < 1e-7;
      },
      'the ledger spend of the served calls',
      30_000,
    );
    expect(Number((await tenant.agent.get(`/v1/budgets/${budget.body.id}`)).body.current.spend.amount)).toBeLessThanOrEqual(Number(amount));
    const after = await chat(openai()).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('serves calls again when the budget is raised, and stops enforcing when enforce is turned off', async () => {
    const list = await tenant.agent.get(budgets());
    const cap = list.body.data.find((b: { name: string }) => b.name === 'project hard cap');
    const raised = await tenant.agent.patch(`/v1/budgets/${cap.id}`, { amount: { amount: '10', currency: 'USD' } });
    expect(raised.status).toBe(200);
    await chat(openai());
    const lowered = await tenant.agent.patch(`/v1/budgets/${cap.id}`, { amount: { amount: '0.000001', currency: 'USD' } });
    expect(lowered.status).toBe(200);
    expect(await chat(openai()).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.RateLimitError);
    const off = await tenant.agent.patch(`/v1/budgets/${cap.id}`, { enforce: false });
    expect(off.body.enforce).toBe(false);
    await chat(openai());
  });

  it('refuses calls it cannot check (the alerts service down), rather than letting them past a hard cap', async () => {
    const before = upstream.requests.length;
    await session.platform.stopService('alerts');
    const refused = await chat(openai().withOptions({ maxRetries: 0 })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((refused as Error).message).toContain('enforced budgets cannot be checked');
    expect(upstream.requests).toHaveLength(before);
  });
});
