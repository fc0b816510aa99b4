import { alertsSubjects as s, type AlertEvent } from '@llmlab/contracts';
import { RuleEvaluator } from '../src/evaluation/rule-evaluator';
import { AlertsHarness } from './alerts.harness';
import { contextOf, newTenant, usageRecord, usageRecorded } from './fixtures';
import { Receiver } from '@llmlab/testing';

jest.setTimeout(120_000);

type Fired = Extract<AlertEvent, { type: 'AlertFired' }>['data'];

// "Each threshold fires once per period, also under concurrent ingestion": two replicas of the service, usage
// arriving in many parallel batches, evaluations racing each other, and every alert still fired and delivered once.
describe('budget thresholds under concurrency', () => {
  let receiver: Receiver;
  let first: AlertsHarness;
  let second: AlertsHarness;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    const env = { ALERTS_TRUSTED_ORIGINS: receiver.origin, ALERTS_EVALUATION_DEBOUNCE_MS: '20', ALERTS_EVALUATION_INTERVAL_MS: '300' };
    first = await AlertsHarness.start({ env });
    second = await AlertsHarness.start({ env, replicaOf: first });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await receiver?.stop();
  });

  async function fired(organizationId: string): Promise<Fired[]> {
    return (await first.events<Fired>('AlertFired')).map((e) => e.data).filter((d) => d.organizationId === organizationId);
  }

  it('fires each threshold at most once, and the last one exactly once, while 60 batches land in parallel on two replicas', async () => {
    const tenant = newTenant();
    const ctx = contextOf(tenant);
    await first.request(s.updateSettings, { rules: { forecast: { enabled: false } } }, ctx);
    const hook = await first.request(
      s.createChannel,
      { type: 'webhook', name: 'ops', config: { url: receiver.on('/hooks/race', { status: 204 }) } },
      ctx,
    );
    const project = await first.request(
      s.createBudget,
      {
        name: 'project',
        scope: { type: 'project', projectId: tenant.projectId },
        period: 'daily',
        amount: { amount: '10', currency: 'USD' },
      },
      ctx,
    );
    const tag = await second.request(
      s.createBudget,
      {
        name: 'search',
        scope: { type: 'tag', key: 'feature', value: 'search' },
        period: 'weekly',
        amount: { amount: '3', currency: 'USD' },
        thresholds: [25, 50, 75, 100],
      },
      ctx,
    );
    const user = await second.request(
      s.createBudget,
      {
        name: 'u_1',
        scope: { type: 'end_user', userId: 'u_1' },
        period: 'monthly',
        amount: { amount: '1', currency: 'USD' },
        thresholds: [100],
      },
      ctx,
    );

    // 60 batches of 4 records at 0.05 USD: 12 USD in all, 6 USD tagged search, 3 USD by u_1.
    const batches = Array.from({ length: 60 }, () =>
      usageRecorded(
        tenant,
        Array.from({ length: 4 }, (_, j) =>
          usageRecord({ cost: '0.05', tags: j % 2 === 0 ? { feature: 'search' } : {}, userId: j === 1 ? 'u_1' : undefined }),
        ),
      ),
    );
    const racing = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? first : second).get(RuleEvaluator).evaluate(tenant.organizationId, new Date(), 'usage'),
    );
    await Promise.all([...batches.map((b, i) => (i % 2 ? first : second).appendUsage(b)), ...racing]);
    await first.settled();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).get(RuleEvaluator).evaluate(tenant.organizationId, new Date(), 'tick')),
    );
    await first.tick();

    const alerts = await fired(tenant.organizationId);
    const keys = alerts.map((a) => a.ruleKey);
    expect(new Set(keys).size).toBe(keys.length);
    const thresholdsOf = (budgetId: string) => alerts.filter((a) => a.budgetId === budgetId).map((a) => a.threshold);
    expect(thresholdsOf(project.id)).toContain(100);
    expect(thresholdsOf(tag.id)).toContain(100);
    expect(thresholdsOf(user.id)).toEqual([100]);
    for (const budget of [project, tag, user]) {
      const periodKeys = new Set(alerts.filter((a) => a.budgetId === budget.id).map((a) => a.periodKey));
      expect(periodKeys.size).toBe(1);
    }

    const budget = await first.request(s.getBudget, { budgetId: project.id }, ctx);
    expect(budget.current).toMatchObject({ spend: { amount: '12.000000000000' }, percentage: '120.00', thresholdsReached: [50, 80, 100] });

    // Each alert reaches the channel once, whichever replica delivered it.
    await first.until(async () => receiver.hits('/hooks/race').length >= alerts.length, 'every delivery');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const deliveryIds = receiver.hits('/hooks/race').map((r) => r.headers['x-llmlab-delivery']);
    expect(deliveryIds.sort()).toEqual(alerts.map((a) => `${a.alertId}:${hook.id}`).sort());
  });

  it('lets exactly one of twenty racing evaluators fire a crossed threshold', async () => {
    const tenant = newTenant();
    const ctx = contextOf(tenant);
    await first.request(s.updateSettings, { rules: { forecast: { enabled: false } } }, ctx);
    const budget = await first.request(
      s.createBudget,
      { name: 'race', scope: { type: 'organization' }, period: 'monthly', amount: { amount: '1', currency: 'USD' }, thresholds: [100] },
      ctx,
    );
    await first.appendUsage(usageRecorded(tenant, [usageRecord({ cost: '1.25' })]));
    await first.settled();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? first : second).get(RuleEvaluator).evaluate(tenant.organizationId, new Date(), 'usage'),
      ),
    );
    const alerts = (await fired(tenant.organizationId)).filter((a) => a.budgetId === budget.id);
    expect(alerts).toHaveLength(1);
    // The debounced evaluation of the usage may have been first; otherwise exactly one racer wrote the alert.
    expect(results.flatMap((r) => r.fired).length).toBeLessThanOrEqual(1);
  });
});
