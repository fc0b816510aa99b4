import { Decimal } from 'decimal.js';
import OpenAI from 'openai';
import {
  createSession,
  eventually,
  expectProblem,
  joinOrganization,
  signUp,
  startPlatformSession,
  usageEvent,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(180_000);

/** OpenAI's list prices per million tokens, written by hand: gpt-4o input 2.50, output 10; gpt-4o-mini 0.15 and 0.60. */
const perMillion = (tokens: number, price: string) => new Decimal(tokens).times(price).div(1e6);
const USAGE = { prompt_tokens: 1_000, completion_tokens: 50, total_tokens: 1_050 };

/**
 * A model right-sizing recommendation applied as a proxy route, end to end: an owner applies it through the gateway,
 * the proxy then sends the feature's calls for the expensive model to the cheaper one (and no other feature's), and
 * the recommendation's realized savings are measured on exactly the calls that route served.
 */
describe('applying a right-sizing recommendation as a proxy route', () => {
  let session: PlatformSession;
  let upstream: FakeOpenAI;
  let owner: TestSession;
  let foreign: TestSession;
  let proxyUrl: string;

  beforeAll(async () => {
    // The fake answers with the model it was asked for, and a usage of round numbers.
    upstream = await startFakeOpenAI({ answer: ({ body }) => ({ model: String(body.model), usage: USAGE }) });
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'recommendations', 'proxy'],
      env: { PROXY_OPENAI_BASE_URL: upstream.baseURL, PROXY_BUDGET_UNAVAILABLE: 'allow', PROXY_PROVIDER_KEY_CACHE_MS: '0' },
    });
    proxyUrl = session.platform.proxyUrl;
    owner = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
    foreign = await createSession(session.platform.gatewayUrl);
  }, 180_000);

  afterAll(async () => {
    await session?.stop();
    await upstream?.close();
  });

  const chat = (feature: string) =>
    new OpenAI({
      apiKey: 'sk-callers-own-key',
      baseURL: `${proxyUrl}/proxy/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-LLMLab-Key': owner.apiKey.key, 'X-LLMLab-Tags': `feature=${feature}` },
    }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Which label?' }] });

  it('applies it (owners and admins), moves only that feature’s calls, and measures the savings on the route’s calls', async () => {
    const at = (i: number) => new Date(Date.now() - 5_000 - i).toISOString();
    // Short answers from gpt-4o for classify (right-sizing), and failed calls for search (failed spend).
    const classify = Array.from({ length: 60 }, (_, i) =>
      usageEvent({ timestamp: at(i), model: 'gpt-4o', usage: { inputTokens: 2_000, outputTokens: 40 }, tags: { feature: 'classify' } }),
    );
    const search = Array.from({ length: 30 }, (_, i) =>
      usageEvent({
        timestamp: at(100 + i),
        model: 'gpt-4o-mini',
        usage: { inputTokens: 100_000, outputTokens: 10_000 },
        tags: { feature: 'search' },
        ...(i < 12 ? { status: 'error', errorType: 'BadRequestError' } : {}),
      }),
    );
    expect((await owner.keyAgent.post('/v1/usage', { events: [...classify, ...search] })).status).toBe(202);
    const path = `/v1/projects/${owner.projectId}/recommendations`;
    const found: { id: string; kind: string }[] = await eventually(
      async () => {
        await owner.agent.post(`${path}/refresh`, {});
        const list = await owner.agent.get(`${path}?status=open`);
        return list.body.data.length === 2 && list.body.data;
      },
      'the right-sizing and failed-spend recommendations',
      30_000,
    );
    const rightsizing = found.find((r) => r.kind === 'model_rightsizing')!;
    const failedSpend = found.find((r) => r.kind === 'failed_spend')!;
    expect(rightsizing).toMatchObject({
      scope: { provider: 'openai', model: 'gpt-4o', feature: 'classify' },
      target: { provider: 'openai', model: 'gpt-4o-mini' },
    });

    // Who may: owners and admins (a route decides where the project's spend goes); not a member, not another tenant.
    const member = await signUp(session.platform.gatewayUrl);
    await joinOrganization(session.platform.mailbox, owner.agent, owner.organizationId, member, 'member');
    expectProblem(await member.agent.post(`/v1/recommendations/${rightsizing.id}/apply`, {}), 403, 'FORBIDDEN');
    expect([403, 404]).toContain((await foreign.agent.post(`/v1/recommendations/${rightsizing.id}/apply`, {})).status);
    // Only right-sizing can be applied.
    expectProblem(await owner.agent.post(`/v1/recommendations/${failedSpend.id}/apply`, {}), 409, 'RECOMMENDATION_NOT_APPLICABLE');

    // A route the team set by hand for the same model and feature is not replaced.
    const routes = `/v1/projects/${owner.projectId}/routes`;
    const byHand = await owner.agent.put(routes, {
      model: 'gpt-4o',
      feature: 'classify',
      targets: [{ provider: 'openai', model: 'gpt-4.1' }],
    });
    expect(byHand.status).toBe(200);
    expect(byHand.body).toMatchObject({ feature: 'classify', recommendationId: null });
    expectProblem(await owner.agent.post(`/v1/recommendations/${rightsizing.id}/apply`, {}), 409, 'PROXY_ROUTE_TAKEN');
    expect((await owner.agent.delete(`${routes}/${byHand.body.routeId}`)).status).toBe(204);
    // And the public API cannot claim a recommendation for a route.
    const forged = await owner.agent.put(routes, {
      model: 'gpt-4o',
      targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
      recommendationId: rightsizing.id,
    });
    expect(forged.status).toBe(400);

    const applied = await owner.agent.post(`/v1/recommendations/${rightsizing.id}/apply`, {});
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      status: 'accepted',
      acceptedBy: `user:${owner.id}`,
      appliedRoute: { routeId: expect.any(String), appliedBy: `user:${owner.id}` },
    });
    const routeId = applied.body.appliedRoute.routeId;
    expect((await owner.agent.get(routes)).body).toEqual([
      expect.objectContaining({
        routeId,
        model: 'gpt-4o',
        feature: 'classify',
        targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
        recommendationId: rightsizing.id,
      }),
    ]);
    // Applying again changes nothing.
    const again = await owner.agent.post(`/v1/recommendations/${rightsizing.id}/apply`, {});
    expect(again.body).toMatchObject({ appliedRoute: applied.body.appliedRoute, revision: applied.body.revision });

    // The proxy: classify's calls for gpt-4o go to gpt-4o-mini; another feature's stay on gpt-4o.
    const before = upstream.requests.length;
    const answers = [await chat('classify'), await chat('classify'), await chat('classify'), await chat('support')];
    expect(upstream.requests.slice(before).map((r) => (r.body as { model: string }).model)).toEqual([
      'gpt-4o-mini',
      'gpt-4o-mini',
      'gpt-4o-mini',
      'gpt-4o',
    ]);
    expect(answers.map((a) => a.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o']);

    // Realized savings: the three routed calls as they cost on gpt-4o-mini, against the same tokens on gpt-4o.
    const actual = perMillion(3 * 1_000, '0.15').plus(perMillion(3 * 50, '0.6'));
    const baseline = perMillion(3 * 1_000, '2.5').plus(perMillion(3 * 50, '10'));
    const measured = await eventually(
      async () => {
        const view = (await owner.agent.get(`/v1/recommendations/${rightsizing.id}`)).body;
        return view.realizedSavings?.actual.amount === actual.toFixed(12) && view.realizedSavings;
      },
      'the realized savings of the routed calls',
      30_000,
    );
    expect(measured).toMatchObject({
      actual: { amount: actual.toFixed(12), currency: 'USD' },
      baseline: { amount: baseline.toFixed(12), currency: 'USD' },
      saved: { amount: baseline.minus(actual).toFixed(12), currency: 'USD' },
      method: expect.stringContaining(routeId),
    });
  });
});
