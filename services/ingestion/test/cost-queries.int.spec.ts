import { ingestionSubjects, type CostBreakdownRequest, type RequestOf, type UsageRecordsPage } from '@llmlab/contracts';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';
import { usageEvent } from '@llmlab/testing';

const DAY = 86_400_000;

// Summaries, breakdowns and record listings over a known set of usage, on the rollups and the records.
describe('cost queries', () => {
  let h: IngestionHarness;
  let p1: Tenant;
  let p2: Tenant;
  let d0: number;
  const at = (day: number, time: string) => new Date(d0 + day * DAY + Date.parse(`1970-01-01T${time}Z`)).toISOString();
  const iso = (day: number) => new Date(d0 + day * DAY).toISOString();
  /** The request context the gateway sends for a project route, and for an organization route. */
  const project = (t: Tenant) => ({ organizationId: t.organizationId, projectId: t.projectId });
  const org = (t: Tenant) => ({ organizationId: t.organizationId });
  /** A page of usage records: the bytes of its JSON, in a chunk stream, which the gateway sends on as they are. */
  const recordsPage = async (
    request: RequestOf<typeof ingestionSubjects.usageRecords>,
    context: { organizationId: string; projectId?: string },
  ) => {
    const reply = await h.streamed(ingestionSubjects.usageRecords, request, context);
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return JSON.parse(reply.data.toString('utf8')) as UsageRecordsPage;
  };

  beforeAll(async () => {
    h = await IngestionHarness.start();
    d0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
    p1 = newTenant();
    p2 = newTenant(p1.organizationId);
    for (const [model, input] of [
      ['m-a', '1'],
      ['m-b', '2'],
    ]) {
      await h.request(ingestionSubjects.createPriceOverride, { provider: 'acme', model, rates: { input, output: '0' } }, org(p1));
    }
    const event = (id: string, timestamp: string, model: string, inputTokens: number, extra: object = {}) =>
      usageEvent({ id, timestamp, provider: 'acme', model, usage: { inputTokens, outputTokens: 0 }, ...extra });
    await h.publish(
      usageBatch(p1, [
        event('e1', at(0, '10:15:00'), 'm-a', 1_000_000, { userId: 'u1', tags: { feature: 'search' } }),
        event('e2', at(0, '10:45:00'), 'm-b', 1_000_000, {
          userId: 'u2',
          tags: { feature: 'chat' },
          status: 'error',
          errorType: 'Timeout',
        }),
        event('e3', at(1, '00:30:00'), 'm-a', 500_000, { userId: 'u1', tags: { feature: 'search', team: 'x' } }),
        event('e4', at(2, '23:59:59.500'), 'm-unpriced', 10),
      ]),
    );
    await h.publish(usageBatch(p2, [event('e5', at(1, '12:00:00'), 'm-b', 3_000_000, { userId: 'u3' })]));
    await h.until(async () => (await h.count('SELECT count(*) AS n FROM ingestion.usage_records')) === 5, 'the records');
    await h.settled();
  }, 60_000);
  afterAll(() => h?.stop());

  const breakdown = async (
    scope: { organizationId: string; projectId?: string },
    groupBy: CostBreakdownRequest['groupBy'],
    from = iso(0),
    to = iso(3),
  ) => {
    const result = await h.request(ingestionSubjects.costBreakdown, { groupBy, from, to }, scope);
    return result.rows.map((r) => [r.key, r.cost.amount, r.requests]);
  };

  it('sums a project, with the previous period of the same length', async () => {
    const summary = await h.request(ingestionSubjects.costSummary, { from: iso(1), to: iso(3) }, project(p1));
    expect(summary.current).toEqual({
      cost: { amount: '0.500000000000', currency: 'USD' },
      requests: 2,
      errors: 0,
      unpriced: 1,
      tokens: { input: 500_010, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0, total: 500_010 },
    });
    expect(summary.previous).toMatchObject({ from: iso(-1), to: iso(1), requests: 2, errors: 1, cost: { amount: '3.000000000000' } });
  });

  it('sums exactly over ranges that cut hours and days (records at the edges, rollups inside)', async () => {
    const cases: [string, string, string, number][] = [
      [at(0, '10:30:00'), at(1, '00:45:00'), '2.500000000000', 2],
      [at(0, '10:15:00'), at(0, '10:15:00.001'), '1.000000000000', 1],
      [at(0, '10:15:00.001'), at(0, '10:44:59.999'), '0.000000000000', 0],
      [at(0, '09:00:00'), at(2, '23:59:59.500'), '3.500000000000', 3],
      [iso(0), iso(3), '3.500000000000', 4],
    ];
    for (const [from, to, amount, requests] of cases) {
      const { current } = await h.request(ingestionSubjects.costSummary, { from, to }, project(p1));
      expect([from, to, current.cost.amount, current.requests]).toEqual([from, to, amount, requests]);
    }
  });

  it('breaks a project down by provider, model, day, hour, user and tag, by cost', async () => {
    expect(await breakdown(project(p1), 'provider')).toEqual([['acme', '3.500000000000', 4]]);
    expect(await breakdown(project(p1), 'model')).toEqual([
      ['m-b', '2.000000000000', 1],
      ['m-a', '1.500000000000', 2],
      ['m-unpriced', '0.000000000000', 1],
    ]);
    expect(await breakdown(project(p1), 'day')).toEqual([
      [iso(0), '3.000000000000', 2],
      [iso(1), '0.500000000000', 1],
      [iso(2), '0.000000000000', 1],
    ]);
    expect(await breakdown(project(p1), 'hour')).toEqual([
      [at(0, '10:00:00'), '3.000000000000', 2],
      [at(1, '00:00:00'), '0.500000000000', 1],
      [at(2, '23:00:00'), '0.000000000000', 1],
    ]);
    expect(await breakdown(project(p1), 'user')).toEqual([
      ['u2', '2.000000000000', 1],
      ['u1', '1.500000000000', 2],
      [null, '0.000000000000', 1],
    ]);
    expect(await breakdown(project(p1), 'tag:feature')).toEqual([
      ['chat', '2.000000000000', 1],
      ['search', '1.500000000000', 2],
    ]);
    expect(await breakdown(project(p1), 'tag:team')).toEqual([['x', '0.500000000000', 1]]);
    // Daily rollups for whole days, records for the rest of the range.
    expect(await breakdown(project(p1), 'user', at(0, '10:30:00'))).toEqual([
      ['u2', '2.000000000000', 1],
      ['u1', '0.500000000000', 1],
      [null, '0.000000000000', 1],
    ]);
    expect(await breakdown(project(p1), 'tag:feature', at(0, '10:30:00'), at(1, '00:45:00'))).toEqual([
      ['chat', '2.000000000000', 1],
      ['search', '0.500000000000', 1],
    ]);
    const limited = await h.request(ingestionSubjects.costBreakdown, { groupBy: 'model', from: iso(0), to: iso(3), limit: 1 }, project(p1));
    expect(limited.rows.map((r) => r.key)).toEqual(['m-b']);
  });

  it('splits groups by a second dimension and filters by provider and model, on rollups or records', async () => {
    const split = async (request: Partial<CostBreakdownRequest> & Pick<CostBreakdownRequest, 'groupBy'>, from = iso(0), to = iso(3)) => {
      const result = await h.request(ingestionSubjects.costBreakdown, { from, to, ...request }, project(p1));
      return result.rows.map((r) => [r.key, r.split, r.cost.amount, r.requests]);
    };
    expect(await split({ groupBy: 'day', splitBy: 'model' })).toEqual([
      [iso(0), 'm-b', '2.000000000000', 1],
      [iso(0), 'm-a', '1.000000000000', 1],
      [iso(1), 'm-a', '0.500000000000', 1],
      [iso(2), 'm-unpriced', '0.000000000000', 1],
    ]);
    // Cut days: the hourly rollup and the records answer the edges with the same split.
    expect(await split({ groupBy: 'day', splitBy: 'model' }, at(0, '10:30:00'), at(1, '00:45:00'))).toEqual([
      [iso(0), 'm-b', '2.000000000000', 1],
      [iso(1), 'm-a', '0.500000000000', 1],
    ]);
    expect(await split({ groupBy: 'model', model: 'm-a' })).toEqual([['m-a', undefined, '1.500000000000', 2]]);
    expect(await split({ groupBy: 'day', provider: 'other' })).toEqual([]);
    // The user and tag rollups know no model: such a breakdown is summed from the records.
    expect(await split({ groupBy: 'user', model: 'm-a' })).toEqual([['u1', undefined, '1.500000000000', 2]]);
    expect(await split({ groupBy: 'tag:feature', splitBy: 'model' })).toEqual([
      ['chat', 'm-b', '2.000000000000', 1],
      ['search', 'm-a', '1.500000000000', 2],
    ]);
    for (const [groupBy, splitBy] of [
      ['model', 'model'],
      ['day', 'project'],
    ] as const) {
      const refused = await h.reply(ingestionSubjects.costBreakdown, { from: iso(0), to: iso(3), groupBy, splitBy }, project(p1));
      expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', errors: [{ field: '/splitBy' }] } });
    }
    const byProject = await h.request(
      ingestionSubjects.costBreakdown,
      { from: iso(0), to: iso(3), groupBy: 'model', splitBy: 'project', model: 'm-b' },
      { organizationId: p1.organizationId },
    );
    expect(byProject.rows.map((r) => [r.key, r.split, r.cost.amount])).toEqual([
      ['m-b', p2.projectId, '6.000000000000'],
      ['m-b', p1.projectId, '2.000000000000'],
    ]);
  });

  it('sums and breaks down a whole organization, by project too', async () => {
    const summary = await h.request(ingestionSubjects.costSummary, { from: iso(0), to: iso(3) }, org(p1));
    expect(summary.current).toMatchObject({ requests: 5, errors: 1, unpriced: 1, cost: { amount: '9.500000000000' } });
    expect(await breakdown(org(p1), 'project')).toEqual([
      [p2.projectId, '6.000000000000', 1],
      [p1.projectId, '3.500000000000', 4],
    ]);
    expect(await breakdown(org(p1), 'user')).toEqual([
      ['u3', '6.000000000000', 1],
      ['u2', '2.000000000000', 1],
      ['u1', '1.500000000000', 2],
      [null, '0.000000000000', 1],
    ]);
    const other = await h.request(ingestionSubjects.costSummary, { from: iso(0), to: iso(3) }, org(newTenant()));
    expect(other.current).toMatchObject({ requests: 0, cost: { amount: '0.000000000000' } });
  });

  it('never reads another organization, even with a project id of it', async () => {
    const stranger = { organizationId: newTenant().organizationId, projectId: p1.projectId };
    const summary = await h.request(ingestionSubjects.costSummary, { from: iso(0), to: iso(3) }, stranger);
    expect(summary.current.requests).toBe(0);
    const records = await recordsPage({ from: iso(0), to: iso(3) }, stranger);
    expect(records.data).toEqual([]);
  });

  it('refuses bad query input with the fields at fault', async () => {
    const reply = await h.reply(ingestionSubjects.costBreakdown, { groupBy: 'project', from: iso(3), to: iso(0), limit: 0 }, project(p1));
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(reply.error.errors?.map((e) => e.field)).toEqual(['/to', '/groupBy', '/limit']);
    const unknown = await h.reply(ingestionSubjects.costBreakdown, { groupBy: 'colour' as 'model', from: iso(0), to: iso(3) }, project(p1));
    expect(unknown).toMatchObject({ ok: false, error: { errors: [{ field: '/groupBy' }] } });
  });

  it('lists records newest first with an opaque cursor, and filters them', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await recordsPage({ from: iso(0), to: iso(3), limit: 3, ...(cursor ? { cursor } : {}) }, project(p1));
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['e4', 'e3', 'e2', 'e1']);

    const page = await recordsPage({ from: iso(0), to: iso(3), userId: 'u1', model: 'm-a' }, project(p1));
    expect(page.data.map((r) => r.id)).toEqual(['e3', 'e1']);
    expect(page.data[0]).toMatchObject({
      provider: 'acme',
      usage: { inputTokens: 500_000, outputTokens: 0, cachedInputTokens: 0 },
      tags: { feature: 'search', team: 'x' },
      cost: { status: 'priced', amount: '0.500000000000', currency: 'USD', priceOrigin: 'override' },
      errorType: null,
    });
    const errors = await recordsPage({ from: iso(0), to: iso(3), status: 'error' }, project(p1));
    expect(errors.data.map((r) => [r.id, r.errorType])).toEqual([['e2', 'Timeout']]);
    const unpriced = await recordsPage({ from: iso(2), to: iso(3) }, project(p1));
    expect(unpriced.data[0].cost).toEqual({ status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null });

    const bad = await h.streamed(ingestionSubjects.usageRecords, { from: iso(0), to: iso(3), cursor: 'not-a-cursor' }, project(p1));
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_CURSOR' } });
  });

  it('pages through records sharing one instant by their ids, each once, whatever the page size', async () => {
    const p3 = newTenant();
    const event = (id: string, timestamp: string) =>
      usageEvent({ id, timestamp, provider: 'acme', model: 'm-a', usage: { inputTokens: 1, outputTokens: 0 } });
    const same = at(1, '08:00:00');
    await h.publish(
      usageBatch(p3, [
        event('k0', at(0, '08:00:00')),
        ...['k1', 'k2', 'k3', 'k4', 'k5'].map((id) => event(id, same)),
        event('k6', at(2, '08:00:00')),
      ]),
    );
    await h.until(
      async () => (await h.count(`SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = '${p3.projectId}'`)) === 7,
      'the records',
    );
    for (const limit of [1, 2, 3, 4]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await recordsPage({ from: iso(0), to: iso(3), limit, ...(cursor ? { cursor } : {}) }, project(p3));
        seen.push(...page.data.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['k6', 'k5', 'k4', 'k3', 'k2', 'k1', 'k0']);
    }
  });

  it('cuts a page of large records short at 1 MiB, and the cursor goes on from there', async () => {
    const heavy = newTenant();
    const events = Array.from({ length: 120 }, (_, i) =>
      usageEvent({
        id: `big-${String(i).padStart(3, '0')}`,
        timestamp: at(1, `10:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}`),
        metadata: { blob: 'x'.repeat(15_000) },
      }),
    );
    for (let i = 0; i < events.length; i += 20) await h.publish(usageBatch(heavy, events.slice(i, i + 20)));
    await h.until(
      async () => (await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [heavy.projectId])) === 120,
      'the heavy records',
    );

    const first = await recordsPage({ from: iso(0), to: iso(3), limit: 1000 }, project(heavy));
    // At most 1 MiB of the page's JSON: 69 of these records.
    expect(first.data.length).toBeGreaterThan(1);
    expect(first.data.length).toBeLessThan(80);
    expect(first.nextCursor).not.toBeNull();
    const seen = first.data.map((r) => r.id);
    for (let cursor = first.nextCursor; cursor;) {
      const page = await recordsPage({ from: iso(0), to: iso(3), limit: 1000, cursor }, project(heavy));
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(120);
    expect(new Set(seen)).toEqual(new Set(events.map((e) => e.id)));
  });
});
