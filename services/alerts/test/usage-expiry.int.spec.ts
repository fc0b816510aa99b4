import type { TracesEvaluatedData } from '@llmlab/contracts';
import { AlertsHarness } from './alerts.harness';
import { newTenant, usageRecord, usageRecorded, type Tenant } from './fixtures';

jest.setTimeout(60_000);

// Retention of usage detail, as the alerts service sees it: when the ingestion service records that an
// organization's usage detail expired (UsageDetailExpired), its claims older than the cutoff lose their end user and
// tags, its trace verdicts older than the cutoff go, and its hourly aggregates stay.
describe("an organization's usage detail expiring", () => {
  let h: AlertsHarness;
  beforeAll(async () => {
    h = await AlertsHarness.start();
  });
  afterAll(() => h?.stop());

  const claims = (t: Tenant) =>
    h.sql
      .query(`SELECT event_id, user_id, tags FROM alerts.usage_claims WHERE project_id = $1 ORDER BY occurred_at`, [t.projectId])
      .then((r) => r.rows);
  const hourly = (t: Tenant) =>
    h.sql
      .query(`SELECT * FROM alerts.spend_hourly WHERE organization_id = $1 ORDER BY 1, 2, 3, 4, 5`, [t.organizationId])
      .then((r) => r.rows);
  const verdict = (t: Tenant, traceId: string, evaluatedAt: string): TracesEvaluatedData => ({
    organizationId: t.organizationId,
    projectId: t.projectId,
    evaluatedAt,
    traces: [{ traceId, name: 'agent', spanCount: 1, cost: { amount: '0.25', currency: 'USD' }, flags: [] }],
  });

  it('strips the claims and drops the trace verdicts past the cutoff, for that organization only', async () => {
    const tenant = newTenant();
    const other = newTenant();
    const now = Date.now();
    const at = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
    const old = usageRecord({ timestamp: at(34), userId: 'customer-1', tags: { feature: 'search' } });
    const recent = usageRecord({ timestamp: at(2), userId: 'customer-1', tags: { feature: 'search' } });
    await h.appendUsage(usageRecorded(tenant, [old, recent]));
    await h.appendUsage(usageRecorded(other, [{ ...old, id: 'other-old' }]));
    await h.appendTracesEvaluated(verdict(tenant, 'c'.repeat(32), at(34)));
    await h.appendTracesEvaluated(verdict(tenant, 'd'.repeat(32), at(2)));
    await h.settled();
    const before = await hourly(tenant);
    expect(before.length).toBeGreaterThan(0);

    await h.appendUsageExpired({
      organizationId: tenant.organizationId,
      retentionDays: 30,
      cutoff: at(30),
      records: 1,
      traces: 1,
      months: [],
      expiredAt: new Date(now).toISOString(),
    });
    await h.settled();
    expect(await claims(tenant)).toEqual([
      { event_id: old.id, user_id: null, tags: {} },
      { event_id: recent.id, user_id: 'customer-1', tags: { feature: 'search' } },
    ]);
    expect(await claims(other)).toEqual([{ event_id: 'other-old', user_id: 'customer-1', tags: { feature: 'search' } }]);
    const traces = await h.sql.query(`SELECT trace_id FROM alerts.trace_outcomes WHERE project_id = $1`, [tenant.projectId]);
    expect(traces.rows).toEqual([{ trace_id: 'd'.repeat(32) }]);
    expect(await hourly(tenant)).toEqual(before);

    // The event id is still claimed: the same event sent again is not counted twice.
    await h.appendUsage(usageRecorded(tenant, [old]));
    await h.settled();
    expect(await hourly(tenant)).toEqual(before);
  });
});
