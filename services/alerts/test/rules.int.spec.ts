import { alertsSubjects as s, type AlertView, type TraceFlagData, type TracesEvaluatedData, type UsageRecordData } from '@llmlab/contracts';
import { forecastPeriodEnd, periodContaining, robustBaseline } from '@llmlab/spend-analytics';
import { syntheticHourlySpend, TYPICAL } from '@llmlab/testing';
import { RuleEvaluator } from '../src/evaluation/rule-evaluator';
import { AlertsHarness } from './alerts.harness';
import { contextOf, newTenant, usageRecord, usageRecorded, usageRepriced, type Tenant } from './fixtures';
import { Money, toMoneyString } from '@llmlab/domain';

jest.setTimeout(90_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// The forecast, anomaly, error-rate and unpriced rules driven through the service: usage appended as the ingestion
// service appends it, rules evaluated by the service's own schedule (or one tick on demand), alerts read back.
describe('alert rules', () => {
  let h: AlertsHarness;
  beforeAll(async () => {
    h = await AlertsHarness.start();
  });
  afterAll(() => h?.stop());

  async function alerts(tenant: Tenant, kind?: AlertView['kind']): Promise<AlertView[]> {
    return (await h.request(s.listAlerts, kind ? { kind } : {}, contextOf(tenant))).data;
  }

  /** Usage as one event per local day, a record per entry. */
  async function ingest(tenant: Tenant, entries: { at: Date; cost: string; status?: 'success' | 'error' }[]): Promise<void> {
    const byDay = new Map<string, UsageRecordData[]>();
    for (const e of entries) {
      const day = e.at.toISOString().slice(0, 10);
      byDay.set(day, [
        ...(byDay.get(day) ?? []),
        usageRecord({ timestamp: e.at.toISOString(), cost: e.cost, status: e.status ?? 'success' }),
      ]);
    }
    for (const records of byDay.values()) await h.appendUsage(usageRecorded(tenant, records));
    await h.settled();
  }

  describe('forecast overrun', () => {
    it('fires once when the period-end projection passes the budget, carrying the projection, and stays silent below', async () => {
      const over = newTenant();
      const under = newTenant();
      const now = new Date();
      const today = new Date(Math.floor(now.getTime() / DAY) * DAY);
      // A steady 10 USD a day for the 14 days before today, and 1 USD so far today.
      const series = [
        ...Array.from({ length: 14 }, (_, d) => [
          { at: new Date(today.getTime() - (d + 1) * DAY + 9 * HOUR), cost: '4' },
          { at: new Date(today.getTime() - (d + 1) * DAY + 15 * HOUR), cost: '6' },
        ]).flat(),
        { at: new Date(Math.max(today.getTime(), now.getTime() - 60_000)), cost: '1' },
      ];
      const period = periodContaining(now, 'monthly', 'UTC');
      const spendToDate = series.filter((e) => e.at >= period.start).reduce((sum, e) => sum.plus(e.cost), new Money(0));
      const expected = forecastPeriodEnd({
        period,
        now,
        spendToDate: toMoneyString(spendToDate),
        history: Array.from({ length: 14 }, (_, d) => ({
          date: new Date(today.getTime() - (d + 1) * DAY).toISOString().slice(0, 10),
          amount: '10',
        })),
      });
      expect(expected.method).toBe('weighted-average');
      // Between what is spent and what is projected: only the forecast can see it coming.
      const amount = spendToDate.plus(expected.projected).div(2).toDecimalPlaces(2).toFixed(2);

      for (const tenant of [over, under]) {
        await h.request(s.updateSettings, { rules: { threshold: { enabled: false } } }, contextOf(tenant));
        await ingest(tenant, series);
      }
      const budget = await h.request(
        s.createBudget,
        { name: 'month', scope: { type: 'project', projectId: over.projectId }, period: 'monthly', amount: { amount, currency: 'USD' } },
        contextOf(over),
      );
      await h.request(
        s.createBudget,
        {
          name: 'month',
          scope: { type: 'project', projectId: under.projectId },
          period: 'monthly',
          amount: { amount: new Money(expected.projected).times(1.2).toFixed(2), currency: 'USD' },
        },
        contextOf(under),
      );
      await h.tick();

      const [forecast] = await alerts(over, 'forecast');
      expect(forecast).toMatchObject({
        budgetId: budget.id,
        state: 'firing',
        notification: { kind: 'forecast', budget: { amount: new Money(amount).toFixed() } },
      });
      const notification = forecast.notification as Extract<AlertView['notification'], { kind: 'forecast' }>;
      expect(new Money(notification.projected.amount).minus(expected.projected).abs().toNumber()).toBeLessThan(0.01);
      expect(new Money(notification.spend.amount).eq(spendToDate)).toBe(true);
      expect(Number(notification.percentage)).toBeGreaterThan(100);
      expect(await alerts(under, 'forecast')).toEqual([]);

      const read = await h.request(s.getBudget, { budgetId: budget.id }, contextOf(over));
      expect(read.current.forecast).toMatchObject({ method: 'weighted-average', historyDays: 14 });
      expect(new Money(read.current.forecast.projected.amount).minus(expected.projected).abs().toNumber()).toBeLessThan(0.01);

      await h.tick();
      expect(await alerts(over, 'forecast')).toHaveLength(1);
    });
  });

  describe('spend anomaly', () => {
    /** An Etc/GMT zone in which the current hour is 14:00, the daily peak of the synthetic series. */
    function zoneAtPeak(now: Date): string {
      let offset = (14 - now.getUTCHours() + 24) % 24;
      if (offset > 14) offset -= 24;
      return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    }

    it('stays silent on a normal daily peak, fires on a fivefold spike, then cools down and resolves', async () => {
      const now = new Date();
      const thisHour = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
      const timeZone = zoneAtPeak(now);
      // Fifteen days of hourly spend with a strong daily cycle (10x from night to the 14:00 peak), ending now.
      const series = syntheticHourlySpend({
        ...TYPICAL,
        weekend: 1,
        start: new Date(thisHour.getTime() - 15 * DAY),
        days: 16,
        timeZone,
        seed: 7,
      }).filter((p) => p.hourStart <= thisHour);
      const past = series.slice(0, -1);
      const usualNow = robustBaseline(
        past
          .filter((p) => (thisHour.getTime() - p.hourStart.getTime()) % DAY === 0)
          .slice(-14)
          .map((p) => p.amount),
      ).median;
      const at = (p: { hourStart: Date }) => new Date(Math.min(p.hourStart.getTime() + 30 * 60_000, now.getTime() - 1_000));

      const steady = newTenant();
      const spiky = newTenant();
      for (const tenant of [steady, spiky]) await h.request(s.updateSettings, { timeZone }, contextOf(tenant));
      await ingest(
        steady,
        series.map((p) => ({ at: at(p), cost: p.amount })),
      );
      const spike = new Money(usualNow).times(5).toFixed(2);
      await ingest(spiky, [...past.map((p) => ({ at: at(p), cost: p.amount })), { at: at({ hourStart: thisHour }), cost: spike }]);
      expect(Number(series.at(-1)!.amount)).toBeGreaterThan(10);

      await h.tick();
      expect(await alerts(steady, 'anomaly')).toEqual([]);
      const fired = await alerts(spiky, 'anomaly');
      const project = fired.find((a) => a.scope.type === 'project')!;
      expect(project).toMatchObject({
        state: 'firing',
        scope: { projectId: spiky.projectId },
        notification: {
          period: { unit: 'hourly', start: thisHour.toISOString(), timeZone },
          spend: { amount: new Money(spike).toFixed(12) },
        },
      });
      const notification = project.notification as Extract<AlertView['notification'], { kind: 'anomaly' }>;
      expect(new Money(notification.baseline.amount).eq(usualNow)).toBe(true);
      expect(Number(notification.score)).toBeGreaterThan(6);

      // Another spike an hour later is inside the cooldown (4 hours): no second alert. Four hours later it fires.
      const later = (hours: number) => new Date(thisHour.getTime() + hours * HOUR);
      const nextSpike = (hours: number) =>
        usageRecorded(spiky, [usageRecord({ timestamp: new Date(later(hours).getTime() + 60_000).toISOString(), cost: spike })]);
      await h.appendUsage(nextSpike(1));
      await h.settled();
      await h.get(RuleEvaluator).evaluate(spiky.organizationId, new Date(later(1).getTime() + 30 * 60_000), 'tick');
      await h.settled();
      expect((await alerts(spiky, 'anomaly')).filter((a) => a.scope.type === 'project')).toHaveLength(1);
      await h.appendUsage(nextSpike(5));
      await h.settled();
      await h.get(RuleEvaluator).evaluate(spiky.organizationId, new Date(later(5).getTime() + 30 * 60_000), 'tick');
      await h.settled();
      const afterCooldown = (await alerts(spiky, 'anomaly')).filter((a) => a.scope.type === 'project');
      expect(afterCooldown.map((a) => a.notification.period.start)).toEqual([later(5).toISOString(), thisHour.toISOString()]);

      // Once its hour is over and the latest complete hour is normal, an alert resolves (the first one already did
      // at the second spike's evaluation: its next hours were normal).
      const result = await h.get(RuleEvaluator).evaluate(spiky.organizationId, new Date(later(7).getTime() + 30 * 60_000), 'tick');
      expect(result.resolved).toContain(afterCooldown[0].id);
      await h.settled();
      const all = await alerts(spiky, 'anomaly');
      expect(all.map((a) => [a.state, a.resolution])).toEqual(all.map(() => ['resolved', 'condition-cleared']));
    });
  });

  describe('error-rate spike', () => {
    it('fires once per hour when the share of failed calls jumps far above the previous week', async () => {
      const tenant = newTenant();
      const now = new Date();
      const thisHour = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
      // 300 calls over three earlier days, 1 % failed; then 60 calls this hour, a third failed.
      const baseline = Array.from({ length: 300 }, (_, i) => ({
        at: new Date(thisHour.getTime() - (1 + (i % 3)) * DAY + (i % 50) * 60_000),
        cost: '0.001',
        status: (i % 100 === 0 ? 'error' : 'success') as 'error' | 'success',
      }));
      await ingest(tenant, baseline);
      const current = Array.from({ length: 60 }, (_, i) =>
        usageRecord({
          timestamp: new Date(Math.max(thisHour.getTime(), now.getTime() - 60_000) + i).toISOString(),
          cost: '0.001',
          status: i % 3 === 0 ? 'error' : 'success',
        }),
      );
      await h.appendUsage(usageRecorded(tenant, current));
      let project: AlertView | undefined;
      await h.until(
        async () => (project = (await alerts(tenant, 'error_rate')).find((a) => a.scope.type === 'project')) !== undefined,
        'the error-rate alert (usage path)',
      );
      expect(project?.notification).toMatchObject({
        requests: 60,
        errors: 20,
        errorRate: '33.33',
        baselineRate: '1.00',
        period: { unit: 'hourly', start: thisHour.toISOString() },
      });

      await h.appendUsage(
        usageRecorded(tenant, [
          usageRecord({
            status: 'error',
            cost: '0.001',
            timestamp: new Date(Math.max(thisHour.getTime(), now.getTime() - 30_000)).toISOString(),
          }),
        ]),
      );
      await h.tick();
      expect((await alerts(tenant, 'error_rate')).filter((a) => a.scope.type === 'project')).toHaveLength(1);
    });
  });

  describe('failing traces', () => {
    const traceId = (i: number) => i.toString(16).padStart(32, 'a');
    const loop = { type: 'tool_loop' as const, spanIds: ['00f067aa0ba902b7'], summary: 'search called 6 times', figures: { calls: 6 } };
    const failed = { type: 'error' as const, spanIds: ['00f067aa0ba902b8'], summary: 'the model call failed', figures: { errors: 1 } };
    const evaluated = (tenant: Tenant, traces: { id: number; flags: TraceFlagData[] }[], at = new Date()): TracesEvaluatedData => ({
      organizationId: tenant.organizationId,
      projectId: tenant.projectId,
      evaluatedAt: at.toISOString(),
      traces: traces.map((t) => ({
        traceId: traceId(t.id),
        name: 'support-agent',
        spanCount: 4,
        cost: { amount: '0.002', currency: 'USD' as const },
        flags: t.flags,
      })),
    });

    it('fires once per hour when a share of the traces evaluated is flagged, counting a re-evaluated trace once', async () => {
      const tenant = newTenant();
      // 12 traces, 2 flagged (17 %): under the default 20 %.
      await h.appendTracesEvaluated(
        evaluated(
          tenant,
          Array.from({ length: 12 }, (_, i) => ({ id: i, flags: i < 2 ? [loop] : [] })),
        ),
      );
      await h.tick();
      expect(await alerts(tenant, 'trace_failures')).toEqual([]);

      // Traces 0 to 3 evaluated again (late spans) with flags: 4 of the same 12 traces, not 4 of 16.
      await h.appendTracesEvaluated(
        evaluated(tenant, [
          { id: 0, flags: [loop] },
          { id: 1, flags: [loop, failed] },
          { id: 2, flags: [failed] },
          { id: 3, flags: [loop] },
        ]),
      );
      let alert: AlertView | undefined;
      await h.until(async () => (alert = (await alerts(tenant, 'trace_failures'))[0]) !== undefined, 'the trace_failures alert');
      const thisHour = new Date(Math.floor(Date.now() / HOUR) * HOUR);
      expect(alert).toMatchObject({ kind: 'trace_failures', state: 'firing', scope: { type: 'project', projectId: tenant.projectId } });
      expect(alert?.notification).toMatchObject({
        traces: 12,
        flagged: 4,
        flaggedRate: '33.33',
        flags: { tool_loop: 3, error: 2 },
        period: { unit: 'hourly', start: thisHour.toISOString() },
      });
      expect((alert?.notification as { examples: string[] }).examples).toHaveLength(3);

      // More failures in the same hour fire nothing more.
      await h.appendTracesEvaluated(evaluated(tenant, [{ id: 20, flags: [failed] }]));
      await h.tick();
      expect(await alerts(tenant, 'trace_failures')).toHaveLength(1);
    });

    it("keeps each project's traces to itself and stays silent when the organization turned the rule off", async () => {
      const [failing, healthy, off] = [newTenant(), newTenant(), newTenant()];
      await h.request(s.updateSettings, { rules: { traceFailures: { enabled: false } } }, contextOf(off));
      const all = (flags: (i: number) => TraceFlagData[]) => Array.from({ length: 12 }, (_, i) => ({ id: i, flags: flags(i) }));
      // The same trace ids in three organizations' projects: each its own traces.
      await h.appendTracesEvaluated(
        evaluated(
          failing,
          all(() => [failed]),
        ),
      );
      await h.appendTracesEvaluated(
        evaluated(
          healthy,
          all((i) => (i === 0 ? [failed] : [])),
        ),
      );
      await h.appendTracesEvaluated(
        evaluated(
          off,
          all(() => [failed]),
        ),
      );
      await h.tick();
      expect((await alerts(failing, 'trace_failures')).map((a) => a.notification)).toEqual([
        expect.objectContaining({ traces: 12, flagged: 12, flaggedRate: '100.00' }),
      ]);
      expect(await alerts(healthy, 'trace_failures')).toEqual([]);
      expect(await alerts(off, 'trace_failures')).toEqual([]);
    });
  });

  describe('unpriced usage', () => {
    it('fires when unpriced usage appears, counts it in budgets, and resolves once a price arrives', async () => {
      const tenant = newTenant();
      const ctx = contextOf(tenant);
      const budget = await h.request(
        s.createBudget,
        { name: 'all', scope: { type: 'organization' }, period: 'daily', amount: { amount: '100', currency: 'USD' } },
        ctx,
      );
      const unpriced = Array.from({ length: 3 }, () => usageRecord({ provider: 'acme', model: 'acme-llm-2', cost: null }));
      await h.appendUsage(usageRecorded(tenant, [...unpriced, usageRecord({ cost: '0.5' })]));
      let fired: AlertView[] = [];
      await h.until(async () => (fired = await alerts(tenant, 'unpriced')).length > 0, 'the unpriced alert');
      expect(fired[0]).toMatchObject({
        state: 'firing',
        scope: { type: 'organization' },
        notification: { kind: 'unpriced', records: 3, models: ['acme/acme-llm-2'] },
      });
      expect((await h.request(s.getBudget, { budgetId: budget.id }, ctx)).current).toMatchObject({
        spend: { amount: '0.500000000000' },
        unpricedRecords: 3,
      });

      // The repricing run prices them: the spend takes the difference, once, even if the correction comes twice.
      await h.appendRepricing(usageRepriced(tenant, unpriced, '0.25'));
      await h.appendRepricing(usageRepriced(tenant, unpriced, '0.25'));
      await h.tick();
      expect((await h.request(s.getBudget, { budgetId: budget.id }, ctx)).current).toMatchObject({
        spend: { amount: '1.250000000000' },
        unpricedRecords: 0,
      });
      expect(await alerts(tenant, 'unpriced')).toEqual([expect.objectContaining({ state: 'resolved', resolution: 'condition-cleared' })]);
    });
  });
});
