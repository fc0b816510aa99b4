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
  type SignedUpUser,
  type TestSession,
} from '@llmlab/testing';
import { startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(180_000);

/** gpt-4o-mini's list prices per million tokens (OpenAI's pricing page), written by hand: not the platform's figures. */
const INPUT_PER_MILLION = '0.15';
const OUTPUT_PER_MILLION = '0.6';
/** OpenAI's list prices per million tokens, written by hand: gpt-4o input 2.50, output 10; gpt-4o-mini 0.15 and 0.60. */
const perMillion = (tokens: number, price: string) => new Decimal(tokens).times(price).div(1e6);
/** What the fake provider answers every call through the proxy uses. */
const ROUTED_USAGE = { prompt_tokens: 1_000, completion_tokens: 50, total_tokens: 1_050 };

// Recommendations end to end: usage sent with an API key, priced by the ingestion service, projected into the
// recommendations service's own traffic model, evaluated on demand through the gateway, then decided on by members;
// viewers, keys and another tenant get what their access says.
// The proxy runs too, against a local fake of OpenAI, for a right-sizing recommendation applied as a route (the last
// block): one platform for both.
describe('recommendations through the gateway', () => {
  let session: PlatformSession;
  let upstream: FakeOpenAI;
  let owner: TestSession;
  let foreign: TestSession;
  let viewer: SignedUpUser;

  beforeAll(async () => {
    // The fake answers with the model it was asked for, and a usage of round numbers.
    upstream = await startFakeOpenAI({ answer: ({ body }) => ({ model: String(body.model), usage: ROUTED_USAGE }) });
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'recommendations', 'proxy'],
      env: { PROXY_OPENAI_BASE_URL: upstream.baseURL, PROXY_BUDGET_UNAVAILABLE: 'allow', PROXY_PROVIDER_KEY_CACHE_MS: '0' },
    });
    const url = session.platform.gatewayUrl;
    owner = await createSession(url);
    foreign = await createSession(url);
    viewer = await signUp(url);
    await joinOrganization(session.platform.mailbox, owner.agent, owner.organizationId, viewer, 'viewer');
  }, 180_000);
  afterAll(async () => {
    await session?.stop();
    await upstream?.close();
  }, 60_000);

  it('recommends stopping failed spend with its exact monthly cost, and lets members accept or dismiss it', async () => {
    const usage = { inputTokens: 100_000, outputTokens: 10_000 };
    const events = Array.from({ length: 30 }, (_, i) =>
      usageEvent({
        timestamp: new Date(Date.now() - 5_000 - i).toISOString(),
        model: 'gpt-4o-mini',
        usage,
        tags: { feature: 'search' },
        ...(i < 12 ? { status: 'error', errorType: 'BadRequestError' } : {}),
      }),
    );
    expect((await owner.keyAgent.post('/v1/usage', { events })).status).toBe(202);

    const path = `/v1/projects/${owner.projectId}/recommendations`;
    const [recommendation] = await eventually(
      async () => {
        expect((await owner.keyAgent.post(`${path}/refresh`, {})).status).toBe(200);
        const list = await owner.keyAgent.get(`${path}?status=open`);
        return list.body.data.length > 0 && list.body.data;
      },
      'the failed-spend recommendation',
      30_000,
    );

    const perCall = new Decimal(usage.inputTokens)
      .times(INPUT_PER_MILLION)
      .plus(new Decimal(usage.outputTokens).times(OUTPUT_PER_MILLION))
      .div(1e6);
    expect(recommendation).toMatchObject({
      kind: 'failed_spend',
      status: 'open',
      scope: { projectId: owner.projectId, provider: 'openai', model: 'gpt-4o-mini', feature: 'search' },
      // Twelve failed calls observed today (the project's first day), scaled to 30 days.
      estimatedMonthlySavings: { amount: perCall.times(12).times(30).toFixed(12), currency: 'USD' },
      evidence: { figures: { calls: 30, failedCalls: 12, failedCost: perCall.times(12).toFixed(12) } },
    });

    const byId = `/v1/recommendations/${recommendation.id}`;
    expect((await viewer.agent.get(byId)).body).toMatchObject({ id: recommendation.id });
    expectProblem(await viewer.agent.post(`${byId}/accept`, {}), 403, 'FORBIDDEN');
    expectProblem(await owner.keyAgent.get(byId), 403, 'FORBIDDEN');
    for (const agent of [foreign.agent, foreign.keyAgent]) {
      expect((await agent.get(byId)).status).toBe(404);
      expect((await agent.post(`${byId}/dismiss`, { reason: 'x' })).status).toBe(404);
      expect((await agent.get(`/v1/projects/${owner.projectId}/recommendations`)).status).toBe(404);
    }
    expect((await foreign.agent.get(`/v1/organizations/${foreign.organizationId}/recommendations`)).body.data).toEqual([]);

    const accepted = await owner.agent.post(`${byId}/accept`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', acceptedBy: `user:${owner.id}` });
    const bad = await owner.agent.post(`${byId}/dismiss`, { reason: 'x'.repeat(501) });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors).toEqual([{ field: '/reason', message: expect.any(String) }]);
    const dismissed = await owner.agent.post(`${byId}/dismiss`, { reason: 'the failures are a test suite' });
    expect(dismissed.body).toMatchObject({ status: 'dismissed', dismissReason: 'the failures are a test suite' });

    const organization = await owner.agent.get(`/v1/organizations/${owner.organizationId}/recommendations?status=dismissed`);
    expect(organization.body.data.map((r: { id: string }) => r.id)).toEqual([recommendation.id]);
    expectProblem(await owner.agent.get(`${path}?kind=cheaper`), 400, 'VALIDATION_FAILED');
  });

  it('recommends a cheaper model for short answers and caching a repeated prefix, each saving priced at list prices', async () => {
    const tenant = await createSession(session.platform.gatewayUrl);
    const at = (i: number) => new Date(Date.now() - 5_000 - i).toISOString();
    const classify = Array.from({ length: 60 }, (_, i) =>
      usageEvent({ timestamp: at(i), model: 'gpt-4o', usage: { inputTokens: 2_000, outputTokens: 40 }, tags: { feature: 'classify' } }),
    );
    const prefix = { hash: 'c'.repeat(64), tokens: 3_000, tools: 2 };
    const support = Array.from({ length: 30 }, (_, i) =>
      usageEvent({
        timestamp: at(100 + i),
        model: 'gpt-4o',
        usage: { inputTokens: 3_500, outputTokens: 50 },
        tags: { feature: 'support' },
        promptPrefix: prefix,
      }),
    );
    expect((await tenant.keyAgent.post('/v1/usage', { events: [...classify, ...support] })).status).toBe(202);

    const path = `/v1/projects/${tenant.projectId}/recommendations`;
    const found = await eventually(
      async () => {
        await tenant.keyAgent.post(`${path}/refresh`, {});
        const list = await tenant.keyAgent.get(`${path}?status=open`);
        return list.body.data.length === 2 && list.body.data;
      },
      'the right-sizing and caching recommendations',
      30_000,
    );

    // gpt-4o and gpt-4o-mini at OpenAI's list prices per million tokens: input 2.50 and 0.15, cached input 1.25 and
    // 0.075, output 10 and 0.60. One day observed, scaled to 30.
    const perMillion = (tokens: number, price: string) => new Decimal(tokens).times(price).div(1e6);
    const rightsizing = perMillion(120_000, '2.5')
      .plus(perMillion(2_400, '10'))
      .minus(perMillion(120_000, '0.15').plus(perMillion(2_400, '0.6')))
      .times(30);
    // 30 calls repeating a 3,000-token prefix, none cached: with caching, 29 of them read it at the cached price.
    const caching = perMillion(29 * 3_000, '2.5')
      .minus(perMillion(29 * 3_000, '1.25'))
      .times(30);
    expect(found.map((r: { kind: string }) => r.kind)).toEqual(['model_rightsizing', 'prompt_caching']);
    expect(found[0]).toMatchObject({
      scope: { provider: 'openai', model: 'gpt-4o', feature: 'classify' },
      target: { provider: 'openai', model: 'gpt-4o-mini' },
      estimatedMonthlySavings: { amount: rightsizing.toFixed(12), currency: 'USD' },
      evidence: { figures: { calls: 60, outputTokensP90: 63 } },
    });
    expect(found[1]).toMatchObject({
      scope: { provider: 'openai', model: 'gpt-4o', feature: null },
      estimatedMonthlySavings: { amount: caching.toFixed(12), currency: 'USD' },
      evidence: { figures: { calls: 30, prefixTokens: 3_000, prefixHash: prefix.hash, cachedShare: '0.0000' } },
    });

    // What-if: the same period with classify on gpt-4o-mini and support through the batch API.
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const classifyCost = perMillion(120_000, '2.5').plus(perMillion(2_400, '10'));
    const supportCost = perMillion(105_000, '2.5').plus(perMillion(1_500, '10'));
    const classifyOnMini = perMillion(120_000, '0.15').plus(perMillion(2_400, '0.6'));
    const body = {
      from: today,
      to: tomorrow,
      substitutions: [
        { match: { provider: 'openai', model: 'gpt-4o', feature: 'classify' }, use: { provider: 'openai', model: 'gpt-4o-mini' } },
      ],
      batch: { features: ['support'] },
    };
    const whatIf = await tenant.keyAgent.post(`/v1/projects/${tenant.projectId}/what-if`, body);
    expect(whatIf.status).toBe(200);
    const projected = classifyOnMini.plus(supportCost.div(2));
    expect(whatIf.body).toMatchObject({
      from: today,
      to: tomorrow,
      actual: { amount: classifyCost.plus(supportCost).toFixed(12) },
      projected: { amount: projected.toFixed(12) },
      difference: { amount: classifyCost.plus(supportCost).minus(projected).toFixed(12) },
    });
    expect(whatIf.body.rows).toEqual([
      expect.objectContaining({
        feature: 'classify',
        calls: 60,
        use: { provider: 'openai', model: 'gpt-4o-mini' },
        projected: { amount: classifyOnMini.toFixed(12), currency: 'USD' },
      }),
      expect.objectContaining({
        feature: 'support',
        calls: 30,
        use: null,
        projected: { amount: supportCost.div(2).toFixed(12), currency: 'USD' },
      }),
    ]);
    const organization = await tenant.agent.post(`/v1/organizations/${tenant.organizationId}/what-if`, body);
    expect(organization.body.projected).toEqual(whatIf.body.projected);
    const unknownTarget = await tenant.keyAgent.post(`/v1/projects/${tenant.projectId}/what-if`, {
      from: today,
      to: tomorrow,
      substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'acme', model: 'nothing-like-it' } }],
    });
    expect(unknownTarget.body).toMatchObject({ projected: null, difference: null });
    const bad = await tenant.keyAgent.post(`/v1/projects/${tenant.projectId}/what-if`, {
      from: tomorrow,
      to: today,
      promptCaching: { cachedShare: 2 },
    });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('/promptCaching/cachedShare');
    expect((await foreign.keyAgent.post(`/v1/projects/${tenant.projectId}/what-if`, body)).status).toBe(404);

    // Accepted, then made: classify's next calls go to gpt-4o-mini. What it saved is measured on them.
    const accepted = await tenant.agent.post(`/v1/recommendations/${found[0].id}/accept`, {});
    expect(accepted.body.realizedSavings).toMatchObject({ saved: { amount: '0.000000000000' } });
    const moved = Array.from({ length: 20 }, (_, i) =>
      usageEvent({
        timestamp: at(300 + i),
        model: 'gpt-4o-mini',
        usage: { inputTokens: 2_000, outputTokens: 40 },
        tags: { feature: 'classify' },
      }),
    );
    expect((await tenant.keyAgent.post('/v1/usage', { events: moved })).status).toBe(202);
    const savedOnMoved = perMillion(20 * 2_000, '2.5')
      .plus(perMillion(20 * 40, '10'))
      .minus(perMillion(20 * 2_000, '0.15').plus(perMillion(20 * 40, '0.6')));
    const realized = await eventually(
      async () => {
        const r = (await tenant.agent.get(`/v1/recommendations/${found[0].id}`)).body.realizedSavings;
        return r?.saved.amount === savedOnMoved.toFixed(12) && r;
      },
      'the savings measured on the moved calls',
      30_000,
    );
    expect(realized).toMatchObject({ window: { from: new Date().toISOString().slice(0, 10) }, method: expect.stringContaining('gpt-4o') });
  });

  it("forecasts the month from the project's daily spend, with intervals and the chart's daily series", async () => {
    const tenant = await createSession(session.platform.gatewayUrl);
    const day = 86_400_000;
    const midnight = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    // One identical call a day for the last 30 days and today: 1,000 input and 200 output tokens of gpt-4o-mini.
    const events = Array.from({ length: 31 }, (_, i) =>
      usageEvent({
        timestamp: new Date(midnight - i * day + 60_000).toISOString(),
        model: 'gpt-4o-mini',
        usage: { inputTokens: 1_000, outputTokens: 200 },
      }),
    ).filter((e) => Date.parse(e.timestamp) < Date.now());
    expect((await tenant.keyAgent.post('/v1/usage', { events })).status).toBe(202);
    const perDay = new Decimal(1_000).times('0.15').plus(new Decimal(200).times('0.6')).div(1e6);
    const monthStart = new Date(midnight).toISOString().slice(0, 8) + '01';
    const daysThisMonth = events.filter((e) => e.timestamp >= monthStart).length;

    const forecast = await eventually(
      async () => {
        const res = await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}/forecast`);
        return res.status === 200 && res.body.spendToDate === perDay.times(daysThisMonth).toFixed(12) && res.body;
      },
      'the forecast over the recorded days',
      30_000,
    );
    expect(['weighted-average', 'weekday-seasonal']).toContain(forecast.method);
    expect(forecast.uncertainty.status).toBe('ok');
    expect(new Decimal(forecast.projected).gte(forecast.spendToDate)).toBe(true);
    expect(new Decimal(forecast.intervals.p95.low).lte(forecast.projected)).toBe(true);
    expect(new Decimal(forecast.intervals.p95.high).gte(forecast.projected)).toBe(true);
    const end = new Date(forecast.period.end);
    expect(forecast.daily).toHaveLength(new Date(end.getTime() - 1).getUTCDate());
    for (const past of forecast.daily.filter((d: { date: string }) => d.date < new Date(midnight).toISOString().slice(0, 10))) {
      expect(new Decimal(past.actual).eq(perDay)).toBe(true);
    }
    const organization = await tenant.agent.get(`/v1/organizations/${tenant.organizationId}/forecast`);
    // The organization's one project: the same spend (the projection moves with the clock between the two calls).
    expect(organization.body.spendToDate).toBe(forecast.spendToDate);
  });

  it("follows the organization's own right-sizing table: its target, and nothing when it turns a line off", async () => {
    const tenant = await createSession(session.platform.gatewayUrl);
    const table = `/v1/organizations/${tenant.organizationId}/model-equivalence`;
    const read = await tenant.agent.get(table);
    expect(read.body).toMatchObject({
      revision: -1,
      overrides: {},
      effective: { 'openai/gpt-4o': expect.arrayContaining(['openai/gpt-4o-mini']) },
    });
    expect(read.headers.get('etag')).toBe('"-1"');
    const bad = await tenant.agent.put(table, { overrides: { 'gpt-4o': ['openai/gpt-4o-mini'] } });
    expectProblem(bad, 400, 'RECOMMENDATION_INVALID');
    expect(bad.body.errors).toEqual([{ field: '/overrides/gpt-4o', message: expect.any(String) }]);
    const set = await tenant.agent.put(table, { overrides: { 'openai/gpt-4o': ['openai/gpt-4.1-nano'] } }, { 'if-match': '"-1"' });
    expect(set.status).toBe(200);
    expect(set.headers.get('etag')).toBe('"0"');
    expectProblem(await tenant.agent.put(table, { overrides: {} }, { 'if-match': '"-1"' }), 409, 'CONCURRENCY_CONFLICT');
    expectProblem(await tenant.keyAgent.put(table, { overrides: {} }), 403, 'FORBIDDEN');

    const at = (i: number) => new Date(Date.now() - 5_000 - i).toISOString();
    const calls = Array.from({ length: 60 }, (_, i) =>
      usageEvent({ timestamp: at(i), model: 'gpt-4o', usage: { inputTokens: 2_000, outputTokens: 40 }, tags: { feature: 'classify' } }),
    );
    expect((await tenant.keyAgent.post('/v1/usage', { events: calls })).status).toBe(202);
    const path = `/v1/projects/${tenant.projectId}/recommendations`;
    const [found] = await eventually(
      async () => {
        await tenant.keyAgent.post(`${path}/refresh`, {});
        const list = await tenant.keyAgent.get(`${path}?kind=model_rightsizing`);
        return list.body.data.length === 1 && list.body.data;
      },
      'the right-sizing recommendation',
      30_000,
    );
    // gpt-4.1-nano at OpenAI's list prices: 0.10 input and 0.40 output per million tokens.
    const perMillion = (tokens: number, price: string) => new Decimal(tokens).times(price).div(1e6);
    const savings = perMillion(120_000, '2.5')
      .plus(perMillion(2_400, '10'))
      .minus(perMillion(120_000, '0.1').plus(perMillion(2_400, '0.4')))
      .times(30);
    expect(found).toMatchObject({
      target: { provider: 'openai', model: 'gpt-4.1-nano' },
      estimatedMonthlySavings: { amount: savings.toFixed(12) },
    });

    expect((await tenant.agent.put(table, { overrides: { 'openai/gpt-4o': [] } }, { 'if-match': '"0"' })).status).toBe(200);
    expect((await tenant.keyAgent.post(`${path}/refresh`, {})).body).toMatchObject({ resolved: 1 });
  });

  it('recommends the batch API for jobs nobody waits for and less reasoning for short answers, at list prices', async () => {
    const tenant = await createSession(session.platform.gatewayUrl);
    const at = (i: number) => new Date(Date.now() - 5_000 - i).toISOString();
    // 120 calls in one burst, none naming an end user: a nightly job.
    const nightly = Array.from({ length: 120 }, (_, i) =>
      usageEvent({ timestamp: at(i), model: 'gpt-4o', usage: { inputTokens: 1_000, outputTokens: 200 }, tags: { feature: 'nightly' } }),
    );
    // 60 answers of 100 visible tokens after 900 of reasoning, for a user each.
    const quiz = Array.from({ length: 60 }, (_, i) =>
      usageEvent({
        timestamp: at(500 + i),
        model: 'o4-mini',
        userId: `student-${i}`,
        usage: { inputTokens: 500, outputTokens: 1_000, reasoningTokens: 900 },
        tags: { feature: 'quiz' },
      }),
    );
    expect((await tenant.keyAgent.post('/v1/usage', { events: [...nightly, ...quiz] })).status).toBe(202);
    const path = `/v1/projects/${tenant.projectId}/recommendations`;
    const found = await eventually(
      async () => {
        await tenant.keyAgent.post(`${path}/refresh`, {});
        const list = await tenant.keyAgent.get(`${path}?status=open`);
        return list.body.data.length === 3 && list.body.data;
      },
      'three recommendations',
      30_000,
    );
    const perMillion = (tokens: number, price: string) => new Decimal(tokens).times(price).div(1e6);
    // gpt-4o: 2.50 input, 10 output per million; the Batch API at half price.
    const batch = perMillion(120_000, '2.5').plus(perMillion(24_000, '10')).div(2).times(30);
    // o4-mini output at 4.40 per million: reasoning capped at 256 tokens a call (twice 100 is less) saves 54,000 − 15,360.
    const reasoning = perMillion(54_000 - 60 * 256, '4.4').times(30);
    expect(found.map((r: { kind: string }) => r.kind)).toEqual(['model_rightsizing', 'batch_api', 'reasoning_effort']);
    expect(found[1]).toMatchObject({
      scope: { model: 'gpt-4o', feature: 'nightly' },
      estimatedMonthlySavings: { amount: batch.toFixed(12) },
      evidence: { figures: { calls: 120, callsWithEndUser: 0, discount: '0.5' } },
    });
    expect(found[2]).toMatchObject({
      scope: { model: 'o4-mini', feature: 'quiz' },
      estimatedMonthlySavings: { amount: reasoning.toFixed(12) },
      evidence: { figures: { reasoningBudgetPerCall: 256, reasoningShare: '0.9000' } },
    });
  });

  /**
   * A model right-sizing recommendation applied as a proxy route, end to end: an owner applies it through the gateway,
   * the proxy then sends the feature's calls for the expensive model to the cheaper one (and no other feature's), and
   * the recommendation's realized savings are measured on exactly the calls that route served. Its own tenants.
   */
  describe('applying a right-sizing recommendation as a proxy route', () => {
    let owner: TestSession;
    let foreign: TestSession;

    beforeAll(async () => {
      owner = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
      foreign = await createSession(session.platform.gatewayUrl);
    });

    const chat = (feature: string) =>
      new OpenAI({
        apiKey: 'sk-callers-own-key',
        baseURL: `${session.platform.proxyUrl}/proxy/openai/v1`,
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
});
