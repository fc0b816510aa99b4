import { recommendationsSubjects as s, type RequestContext } from '@llmlab/contracts';
import { newTenant, usageRecord, usageRecorded, usageRepriced, type Tenant } from '@llmlab/testing';
import { Decimal } from 'decimal.js';
import { RecommendationsHarness } from './recommendations.harness';

jest.setTimeout(60_000);

const member = (t: Tenant, projectId = t.projectId): Partial<RequestContext> => ({
  organizationId: t.organizationId,
  projectId,
  actor: { type: 'user', id: 'user-1' },
});

// Recommendations evaluated over the service's own traffic read model, on demand as the refresh route does and as
// the hourly round does, then accepted, dismissed and resolved through the lifecycle.
describe('recommendations', () => {
  let h: RecommendationsHarness;
  beforeAll(async () => {
    // The hourly round is not wanted here: each test refreshes its project itself.
    h = await RecommendationsHarness.start({ RECOMMENDATIONS_EVALUATION_INTERVAL_MS: '3600000' });
  });
  afterAll(() => h?.stop());

  /** Today's calls: `failed` of `calls` to gpt-4o for the support feature failing at `cost` each, and unpriced calls. */
  async function traffic(t: Tenant, o: { calls: number; failed: number; cost: string; unpriced?: number }) {
    const now = Date.now();
    const records = [
      ...Array.from({ length: o.calls }, (_, i) =>
        usageRecord({
          timestamp: new Date(now - 60_000 - i).toISOString(),
          model: 'gpt-4o',
          tags: { feature: 'support' },
          status: i < o.failed ? 'error' : 'success',
          cost: o.cost,
        }),
      ),
      ...Array.from({ length: o.unpriced ?? 0 }, (_, i) =>
        usageRecord({ timestamp: new Date(now - 120_000 - i).toISOString(), model: 'acme-llm-2', provider: 'acme', cost: null }),
      ),
    ];
    await h.appendUsage(usageRecorded(t, records));
    await h.settled();
    return records;
  }

  it('finds failed spend with its exact monthly cost and unpriced models, sorted by savings, and pages them', async () => {
    const t = newTenant();
    await traffic(t, { calls: 40, failed: 25, cost: '0.0123', unpriced: 3 });
    const refreshed = await h.request(s.refresh, {}, member(t));
    expect(refreshed).toMatchObject({ opened: 2, updated: 0, resolved: 0, open: 2 });

    const list = await h.request(s.listProject, {}, member(t));
    expect(list.data.map((r) => r.kind)).toEqual(['failed_spend', 'unpriced_usage']);
    const [failed, unpriced] = list.data;
    // 25 failed calls of 0.0123 observed over one day (today, the project's first), scaled to 30 days.
    expect(failed).toMatchObject({
      status: 'open',
      scope: { projectId: t.projectId, provider: 'openai', model: 'gpt-4o', feature: 'support' },
      estimatedMonthlySavings: { amount: new Decimal('0.0123').times(25).times(30).toFixed(12), currency: 'USD' },
      evidence: { figures: { calls: 40, failedCalls: 25, failedCost: '0.307500000000' } },
      confidence: 'high',
    });
    expect(failed.evidence.window.to > failed.evidence.window.from).toBe(true);
    expect(unpriced).toMatchObject({
      kind: 'unpriced_usage',
      estimatedMonthlySavings: null,
      scope: { provider: 'acme', model: 'acme-llm-2' },
    });

    const first = await h.request(s.listProject, { limit: 1 }, member(t));
    expect(first.data.map((r) => r.id)).toEqual([failed.id]);
    const second = await h.request(s.listProject, { limit: 1, cursor: first.nextCursor! }, member(t));
    expect(second).toEqual({ data: [expect.objectContaining({ id: unpriced.id })], nextCursor: null });
    expect((await h.request(s.listOrganization, { kind: 'unpriced_usage' }, { organizationId: t.organizationId })).data).toHaveLength(1);

    // Evaluating again with the same figures changes nothing.
    expect(await h.request(s.refresh, {}, member(t))).toMatchObject({ opened: 0, updated: 0, open: 2 });
  });

  it('accepts, dismisses with a reason, resolves when the pattern is gone, and keeps other tenants out', async () => {
    const t = newTenant();
    const records = await traffic(t, { calls: 10, failed: 5, cost: '1', unpriced: 2 });
    await h.request(s.refresh, {}, member(t));
    const [failed, unpriced] = (await h.request(s.listProject, {}, member(t))).data;

    const accepted = await h.request(s.accept, { recommendationId: failed.id }, member(t));
    expect(accepted).toMatchObject({ status: 'accepted', acceptedBy: 'user:user-1' });
    const dismissed = await h.request(s.dismiss, { recommendationId: failed.id, reason: 'retries are on purpose' }, member(t));
    expect(dismissed).toMatchObject({ status: 'dismissed', dismissReason: 'retries are on purpose', acceptedAt: null });

    // A price arrives for the unpriced model: the next evaluation resolves its recommendation.
    await h.appendRepricing(usageRepriced(t, records.slice(10), '0.5'));
    await h.settled();
    expect(await h.request(s.refresh, {}, member(t))).toMatchObject({ resolved: 1 });
    expect(await h.request(s.get, { recommendationId: unpriced.id }, member(t))).toMatchObject({ status: 'resolved' });
    const late = await h.reply(s.accept, { recommendationId: unpriced.id }, member(t));
    expect(late).toMatchObject({ ok: false, error: { code: 'RECOMMENDATION_RESOLVED' } });

    const other = newTenant();
    for (const subject of [s.get, s.accept, s.dismiss] as const) {
      const reply = await h.reply(subject, { recommendationId: failed.id }, member(other));
      expect(reply).toMatchObject({ ok: false, error: { code: 'RECOMMENDATION_NOT_FOUND' } });
    }
    expect((await h.request(s.listOrganization, {}, { organizationId: other.organizationId })).data).toEqual([]);
    expect(await h.request(s.resolveOwner, { id: failed.id })).toEqual({ organizationId: t.organizationId, projectId: t.projectId });
  });

  it('refuses a bad filter, limit or cursor by name', async () => {
    const t = newTenant();
    const reply = await h.reply(s.listProject, { status: 'maybe' as never, limit: 0, cursor: 'nope' }, member(t));
    expect(reply).toMatchObject({
      ok: false,
      error: {
        code: 'RECOMMENDATION_INVALID',
        errors: [
          { field: '/status', message: expect.any(String) },
          { field: '/limit', message: 'must be an integer from 1 to 200' },
          { field: '/cursor', message: 'is not a cursor this list returned' },
        ],
      },
    });
  });
});
