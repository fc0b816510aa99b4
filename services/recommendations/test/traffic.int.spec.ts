import { recommendationsSubjects as s, type TracesEvaluatedData } from '@llmlab/contracts';
import { newTenant, usageRecord, usageRecorded, usageRepriced } from '@llmlab/testing';
import { tokenBucket, TOKEN_BUCKETS } from '../src/traffic/traffic.projection';
import { RecommendationsHarness } from './recommendations.harness';

jest.setTimeout(60_000);

const HASH = 'b'.repeat(64);

// The service's own traffic read model, fed by the ledger events as the relay publishes them: each usage event id
// counted once per project, its calls, tokens, cost and shape added to its day; corrections applied as differences;
// the detectors' latest verdict per trace.
describe('the traffic read model', () => {
  let h: RecommendationsHarness;
  beforeAll(async () => {
    h = await RecommendationsHarness.start();
  });
  afterAll(() => h?.stop());

  const day = (tenant: { projectId: string }) =>
    h.sql
      .query(
        `SELECT provider, model, feature, day::text, calls::int, errors::int, with_user::int, with_tools::int, batch_tagged::int, input_tokens::int,
           cached_input_tokens::int, output_tokens::int, reasoning_tokens::int, cost::text, error_cost::text, unpriced::int,
           output_buckets::int[], input_buckets::int[], hour_buckets::int[]
         FROM recommendations.traffic_daily WHERE project_id = $1 ORDER BY model, feature`,
        [tenant.projectId],
      )
      .then((r) => r.rows);

  it('adds each call to its day, model and feature once, with its tokens, cost and shape', async () => {
    const tenant = newTenant();
    const at = '2026-11-30T14:05:00.000Z';
    const prefix = { hash: HASH, tokens: 1800, tools: 2 };
    const first = usageRecord({
      timestamp: at,
      model: 'gpt-4o',
      tags: { feature: 'support', latency: 'batch' },
      userId: 'u-1',
      promptPrefix: prefix,
      usage: { inputTokens: 2000, outputTokens: 40, cachedInputTokens: 0 },
      cost: '0.0054',
    });
    const second = usageRecord({
      timestamp: '2026-11-30T14:40:00.000Z',
      model: 'gpt-4o',
      tags: { feature: 'support' },
      promptPrefix: prefix,
      status: 'error',
      usage: { inputTokens: 2100, outputTokens: 0, cachedInputTokens: 1024 },
      cost: '0.0040',
    });
    const other = usageRecord({
      timestamp: at,
      model: 'gpt-4o-mini',
      usage: { inputTokens: 10, outputTokens: 300, reasoningTokens: 200 },
      cost: null,
    });
    // The first call sent twice (a client retry), in one batch and in another: counted once.
    await h.appendUsage(usageRecorded(tenant, [first, second, first, other]));
    await h.appendUsage(usageRecorded(tenant, [first]));
    await h.settled();

    const hist = (...buckets: number[]) => Array.from({ length: TOKEN_BUCKETS }, (_, b) => buckets.filter((x) => x === b).length);
    const hours = (...hs: number[]) => Array.from({ length: 24 }, (_, hour) => hs.filter((x) => x === hour).length);
    expect(await day(tenant)).toEqual([
      {
        provider: 'openai',
        model: 'gpt-4o',
        feature: 'support',
        day: '2026-11-30',
        calls: 2,
        errors: 1,
        with_user: 1,
        with_tools: 2,
        batch_tagged: 1,
        input_tokens: 4100,
        cached_input_tokens: 1024,
        output_tokens: 40,
        reasoning_tokens: 0,
        cost: '0.009400000000',
        error_cost: '0.004000000000',
        unpriced: 0,
        output_buckets: hist(tokenBucket(40), tokenBucket(0)),
        input_buckets: hist(tokenBucket(2000), tokenBucket(2100)),
        hour_buckets: hours(14, 14),
      },
      expect.objectContaining({ model: 'gpt-4o-mini', feature: '', calls: 1, reasoning_tokens: 200, cost: '0.000000000000', unpriced: 1 }),
    ]);
    expect([tokenBucket(0), tokenBucket(1), tokenBucket(40), tokenBucket(2000), tokenBucket(10 ** 9)]).toEqual([
      0,
      1,
      6,
      11,
      TOKEN_BUCKETS - 1,
    ]);

    const { rows: prefixes } = await h.sql.query(
      `SELECT prefix_hash, calls::int, prefix_tokens::int, tools, input_tokens::int, cached_input_tokens::int, cost::text
       FROM recommendations.prefix_daily WHERE project_id = $1`,
      [tenant.projectId],
    );
    expect(prefixes).toEqual([
      { prefix_hash: HASH, calls: 2, prefix_tokens: 1800, tools: 2, input_tokens: 4100, cached_input_tokens: 1024, cost: '0.009400000000' },
    ]);

    // A price arrives for the unpriced call, and a priced one is corrected; applied twice, counted once.
    const repricing = usageRepriced(tenant, [other, second], '0.0020');
    await h.appendRepricing(repricing);
    await h.appendRepricing(repricing);
    await h.settled();
    const [big, mini] = await day(tenant);
    expect([big.cost, big.error_cost, mini.cost, mini.unpriced]).toEqual(['0.007400000000', '0.002000000000', '0.002000000000', 0]);
  });

  it('adds the calls a proxy route served to its day, once, and applies corrections there too', async () => {
    const tenant = newTenant();
    const routeId = '0192f3a1-0000-7000-8000-0000000000ab';
    const routed = (cost: string, proxy: unknown) =>
      usageRecord({
        timestamp: '2026-11-30T10:00:00.000Z',
        model: 'gpt-4o-mini',
        tags: { feature: 'classify' },
        usage: { inputTokens: 1000, outputTokens: 50 },
        metadata: { proxy },
        cost,
      });
    const first = routed('0.0002', { route: { routeId, model: 'gpt-4o' } });
    const second = routed('0.0003', { route: { routeId: routeId.toUpperCase(), model: 'gpt-4o' } });
    // Not a route's: no route, a route id that is not one, a call sent without the proxy.
    const unrouted = [routed('0.1', {}), routed('0.1', { route: { routeId: 'x; DROP TABLE' } }), routed('0.1', 'free text')];
    await h.appendUsage(usageRecorded(tenant, [first, second, first, ...unrouted]));
    await h.appendRepricing(usageRepriced(tenant, [second], '0.0004'));
    await h.settled();
    const { rows } = await h.sql.query(
      `SELECT route_id, day::text, calls::int, input_tokens::int, output_tokens::int, cost::text
       FROM recommendations.route_daily WHERE project_id = $1`,
      [tenant.projectId],
    );
    expect(rows).toEqual([
      { route_id: routeId, day: '2026-11-30', calls: 2, input_tokens: 2000, output_tokens: 100, cost: '0.000600000000' },
    ]);
  });

  it("counts a route's errors, fallbacks and cache hits with what the cache saved, and answers them per route over the range's days", async () => {
    const tenant = newTenant();
    const [routeId, otherRouteId] = ['0192f3a1-0000-7000-8000-0000000000cd', '0192f3a1-0000-7000-8000-0000000000ef'];
    const call = (timestamp: string, proxy: Record<string, unknown>, extra: Partial<Parameters<typeof usageRecord>[0]> = {}) =>
      usageRecord({
        timestamp,
        model: 'gpt-4o-mini',
        usage: { inputTokens: 100, outputTokens: 10 },
        metadata: { proxy },
        cost: '0.001',
        ...extra,
      });
    const route = (id: string, ...results: string[]) => ({
      routeId: id,
      model: 'chat-default',
      targets: results.map((result, i) => ({ provider: 'openai', model: `m${i}`, result, attempts: 1 })),
    });
    const cacheHit = (saved: unknown, currency: unknown = 'USD') => ({
      route: { routeId, model: 'chat-default' },
      cache: { hit: true, saved, currency, storedAt: '2026-11-30T09:00:00.000Z' },
    });
    const calls = [
      call('2026-11-29T10:00:00.000Z', { route: route(routeId, 'answered') }),
      // The first target failed or was skipped: a later one answered.
      call('2026-11-30T10:00:00.000Z', { route: route(routeId, 'retries-exhausted', 'answered') }),
      call('2026-11-30T10:01:00.000Z', { route: route(routeId, 'skipped', 'circuit-open', 'answered') }),
      // No target answered: an error, not a fallback.
      call('2026-11-30T10:02:00.000Z', { route: route(routeId, 'retries-exhausted', 'retries-exhausted') }, { status: 'error', cost: '0' }),
      call('2026-11-30T10:03:00.000Z', cacheHit('0.0025'), { cost: '0' }),
      call('2026-11-30T10:04:00.000Z', cacheHit('0.0025'), { cost: '0' }),
      // What the caller could send itself: a saving that is no amount, or in another currency, saves nothing.
      call('2026-11-30T10:05:00.000Z', cacheHit('1e400'), { cost: '0' }),
      call('2026-11-30T10:06:00.000Z', cacheHit('0.5', 'EUR'), { cost: '0' }),
      // Nor do amounts no cached call costs: summed per route and day, they would overflow the column.
      call('2026-11-30T10:06:10.000Z', cacheHit('9999999999999999.9999999999999'), { cost: '0' }),
      call('2026-11-30T10:06:20.000Z', cacheHit('9000000000000000'), { cost: '0' }),
      call('2026-11-30T10:06:30.000Z', cacheHit('9000000000000000'), { cost: '0' }),
      call('2026-11-30T10:07:00.000Z', { route: route(otherRouteId, 'answered') }),
      // Out of the range asked below.
      call('2026-11-27T10:00:00.000Z', { route: route(routeId, 'retries-exhausted', 'answered') }),
    ];
    await h.appendUsage(usageRecorded(tenant, calls));
    await h.settled();

    const context = { organizationId: tenant.organizationId, projectId: tenant.projectId };
    const range = { from: '2026-11-28T15:00:00Z', to: '2026-11-30T23:00:00Z' };
    expect(await h.request(s.routeTraffic, range, context)).toEqual({
      window: { from: '2026-11-28', to: '2026-12-01' },
      routes: [
        {
          routeId,
          calls: 11,
          errors: 1,
          fallbacks: 2,
          cacheHits: 7,
          cost: { amount: '0.003000000000', currency: 'USD' },
          cacheSaved: { amount: '0.005000000000', currency: 'USD' },
        },
        {
          routeId: otherRouteId,
          calls: 1,
          errors: 0,
          fallbacks: 0,
          cacheHits: 0,
          cost: { amount: '0.001000000000', currency: 'USD' },
          cacheSaved: { amount: '0.000000000000', currency: 'USD' },
        },
      ],
    });
    // Another project of the same organization sees none of it.
    expect(await h.request(s.routeTraffic, range, { ...context, projectId: newTenant().projectId })).toEqual({
      window: { from: '2026-11-28', to: '2026-12-01' },
      routes: [],
    });
    expect(await h.reply(s.routeTraffic, { from: range.to, to: range.from }, context)).toMatchObject({
      ok: false,
      error: { code: 'RECOMMENDATION_INVALID', errors: [{ field: '/to', message: 'must be after from' }] },
    });
    expect(await h.reply(s.routeTraffic, { from: '2025-01-01T00:00:00Z', to: range.to }, context)).toMatchObject({
      ok: false,
      error: { code: 'RECOMMENDATION_INVALID', errors: [{ field: '/from', message: 'must be at most 366 days before to' }] },
    });
    // 366 days exactly, from noon to noon: 367 UTC days touched, and allowed.
    expect((await h.request(s.routeTraffic, { from: '2025-11-30T12:00:00Z', to: '2026-12-01T12:00:00Z' }, context)).window).toEqual({
      from: '2025-11-30',
      to: '2026-12-02',
    });
    expect(await h.reply(s.routeTraffic, { from: '9999-12-01T00:00:00Z', to: '9999-12-31T23:00:00Z' }, context)).toMatchObject({
      ok: false,
      error: { code: 'RECOMMENDATION_INVALID', errors: [{ field: '/to', message: 'must be before 9999-12-31' }] },
    });
  });

  it("keeps each trace's latest verdict with its cost, per project", async () => {
    const tenant = newTenant();
    const evaluated = (evaluatedAt: string, flags: TracesEvaluatedData['traces'][number]['flags']): TracesEvaluatedData => ({
      organizationId: tenant.organizationId,
      projectId: tenant.projectId,
      evaluatedAt,
      traces: [{ traceId: 'a'.repeat(32), name: 'agent', spanCount: 3, cost: { amount: '0.25', currency: 'USD' }, flags }],
    });
    const retry = { type: 'retry_storm' as const, spanIds: ['1'.repeat(16)], summary: 'three calls', figures: { calls: 3 } };
    await h.appendTracesEvaluated(evaluated('2026-11-30T10:00:00.000Z', [retry]));
    await h.appendTracesEvaluated(evaluated('2026-11-30T09:00:00.000Z', []));
    await h.settled();
    const { rows } = await h.sql.query(
      `SELECT trace_id, name, flags, cost::text FROM recommendations.trace_outcomes WHERE project_id = $1`,
      [tenant.projectId],
    );
    // The older verdict, arriving late, does not replace the newer one.
    expect(rows).toEqual([{ trace_id: 'a'.repeat(32), name: 'agent', flags: ['retry_storm'], cost: '0.250000000000' }]);
  });

  it("strips the claims and drops the trace verdicts of usage past the organization's retention, keeping the days", async () => {
    const tenant = newTenant();
    const old = usageRecord({
      timestamp: '2026-09-10T10:00:00.000Z',
      tags: { feature: 'support' },
      promptPrefix: { hash: HASH, tokens: 1800, tools: 0 },
    });
    const recent = usageRecord({
      timestamp: '2026-11-20T10:00:00.000Z',
      tags: { feature: 'support' },
      promptPrefix: { hash: HASH, tokens: 1800, tools: 0 },
    });
    await h.appendUsage(usageRecorded(tenant, [old, recent]));
    const verdict = (traceId: string, evaluatedAt: string): TracesEvaluatedData => ({
      organizationId: tenant.organizationId,
      projectId: tenant.projectId,
      evaluatedAt,
      traces: [{ traceId, name: 'agent', spanCount: 1, cost: { amount: '0.25', currency: 'USD' }, flags: [] }],
    });
    await h.appendTracesEvaluated(verdict('c'.repeat(32), '2026-09-10T11:00:00.000Z'));
    await h.appendTracesEvaluated(verdict('d'.repeat(32), '2026-11-20T11:00:00.000Z'));
    await h.settled();
    const before = await day(tenant);
    const other = newTenant();
    await h.appendUsage(usageRecorded(other, [{ ...old, id: 'other-old' }]));
    await h.appendUsageExpired({
      organizationId: tenant.organizationId,
      retentionDays: 30,
      cutoff: '2026-10-05T00:00:00.000Z',
      records: 1,
      traces: 1,
      months: [{ projectId: tenant.projectId, month: '2026-09' }],
      expiredAt: '2026-11-04T00:00:00.000Z',
    });
    await h.settled();
    const claims = (t: { projectId: string }) =>
      h.sql
        .query(`SELECT event_id, feature, prefix_hash FROM recommendations.usage_claims WHERE project_id = $1 ORDER BY day`, [t.projectId])
        .then((r) => r.rows);
    expect(await claims(tenant)).toEqual([
      { event_id: old.id, feature: '', prefix_hash: null },
      { event_id: recent.id, feature: 'support', prefix_hash: HASH },
    ]);
    expect(await claims(other)).toEqual([{ event_id: 'other-old', feature: 'support', prefix_hash: HASH }]);
    const traces = await h.sql.query(`SELECT trace_id FROM recommendations.trace_outcomes WHERE project_id = $1`, [tenant.projectId]);
    expect(traces.rows).toEqual([{ trace_id: 'd'.repeat(32) }]);
    // The daily traffic stays as it was: aggregates are kept.
    expect(await day(tenant)).toEqual(before);
  });
});
