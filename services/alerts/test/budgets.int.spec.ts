import { alertsSubjects as s, type AlertView, type BudgetView } from '@llmlab/contracts';
import { AlertsHarness } from './alerts.harness';
import { contextOf, newTenant, usageRecord, usageRecorded, type Tenant } from './fixtures';
import { Receiver } from '@llmlab/testing';

jest.setTimeout(60_000);

// Budgets, settings and alerts over NATS as the gateway will call them: validation, live figures, acknowledgement,
// resolution, and tenancy (another organization's id answers not found, everywhere).
describe('budgets, settings and alerts', () => {
  let receiver: Receiver;
  let h: AlertsHarness;
  beforeAll(async () => {
    receiver = await new Receiver().start();
    h = await AlertsHarness.start({ env: { ALERTS_TRUSTED_ORIGINS: receiver.origin } });
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.stop();
  });

  const projectBudget = (tenant: Tenant, amount = '10') => ({
    name: 'Checkout',
    scope: { type: 'project' as const, projectId: tenant.projectId },
    period: 'monthly' as const,
    amount: { amount, currency: 'USD' as const },
  });

  async function firstAlert(tenant: Tenant): Promise<AlertView> {
    let alert: AlertView | undefined;
    await h.until(async () => ([alert] = (await h.request(s.listAlerts, {}, contextOf(tenant))).data) && alert !== undefined, 'an alert');
    return alert!;
  }

  it('creates, reads, lists, updates and deletes a budget, with its live spend', async () => {
    const tenant = newTenant();
    const ctx = contextOf(tenant);
    const created = await h.request(s.createBudget, { ...projectBudget(tenant), thresholds: [90, 25, 90] }, ctx);
    expect(created).toMatchObject<Partial<BudgetView>>({
      organizationId: tenant.organizationId,
      name: 'Checkout',
      scope: { type: 'project', projectId: tenant.projectId },
      amount: { amount: '10', currency: 'USD' },
      thresholds: [25, 90],
      timeZone: 'UTC',
      revision: 0,
    });
    expect(created.current).toMatchObject({
      spend: { amount: '0.000000000000', currency: 'USD' },
      percentage: '0.00',
      thresholdsReached: [],
      unpricedRecords: 0,
    });
    expect(created.current.period).toMatchObject({
      unit: 'monthly',
      timeZone: 'UTC',
      key: expect.stringMatching(/^monthly:\d{4}-\d{2}-01$/),
    });

    // A record repeated in a later batch (a retry upstream) counts once; another project's usage not at all.
    const record = usageRecord({ cost: '3' });
    await h.appendUsage(usageRecorded(tenant, [record, usageRecord({ cost: '0.5' })]));
    await h.appendUsage(usageRecorded(tenant, [record]));
    await h.appendUsage(usageRecorded(tenant, [usageRecord({ cost: '100' })], newTenant().projectId));
    await h.settled();
    const read = await h.request(s.getBudget, { budgetId: created.id }, ctx);
    expect(read.current).toMatchObject({ spend: { amount: '3.500000000000' }, percentage: '35.00', thresholdsReached: [25] });
    expect(read.current.forecast).toMatchObject({ projected: { currency: 'USD' }, method: expect.any(String) });
    expect((await h.request(s.listBudgets, {}, ctx)).data.map((b) => b.id)).toEqual([created.id]);

    const updated = await h.request(
      s.updateBudget,
      { budgetId: created.id, amount: { amount: '20.50', currency: 'USD' }, period: 'weekly', expectedRevision: 0 },
      ctx,
    );
    expect(updated).toMatchObject({ amount: { amount: '20.5' }, period: 'weekly', revision: 1, current: { period: { unit: 'weekly' } } });
    expect(await h.reply(s.updateBudget, { budgetId: created.id, name: 'stale', expectedRevision: 0 }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'CONCURRENCY_CONFLICT' },
    });

    await h.request(s.deleteBudget, { budgetId: created.id }, ctx);
    expect(await h.reply(s.getBudget, { budgetId: created.id }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'BUDGET_NOT_FOUND' },
    });
    expect(await h.reply(s.deleteBudget, { budgetId: created.id }, ctx)).toMatchObject({ ok: false, error: { code: 'BUDGET_NOT_FOUND' } });
    expect((await h.request(s.listBudgets, {}, ctx)).data).toEqual([]);
  });

  it('names every invalid field of a budget', async () => {
    const tenant = newTenant();
    const reply = await h.reply(
      s.createBudget,
      {
        name: ' ',
        scope: { type: 'tag', key: '', value: 'x' },
        period: 'yearly' as 'monthly',
        amount: { amount: '-1', currency: 'EUR' as 'USD' },
        thresholds: [0, 50.5],
        timeZone: 'Mars/Olympus',
      },
      contextOf(tenant),
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'BUDGET_INVALID' } });
    if (reply.ok) throw new Error('unreachable');
    expect(reply.error.errors?.map((e) => e.field)).toEqual([
      '/name',
      '/scope/key',
      '/period',
      '/amount/amount',
      '/amount/currency',
      '/thresholds/0',
      '/thresholds/1',
      '/timeZone',
    ]);
    const noOrg = await h.reply(s.listBudgets, {}, { actor: { type: 'user', id: 'u' } });
    expect(noOrg).toMatchObject({ ok: false, error: { code: 'ORGANIZATION_NOT_FOUND' } });
  });

  it('keeps per-organization settings: defaults, a time zone for new budgets, rules, and refuses bad ones', async () => {
    const tenant = newTenant();
    const ctx = contextOf(tenant);
    const defaults = await h.request(s.getSettings, {}, ctx);
    expect(defaults).toMatchObject({
      timeZone: 'UTC',
      revision: -1,
      rules: { threshold: { enabled: true }, forecast: { enabled: true, percent: 100 } },
    });
    const updated = await h.request(
      s.updateSettings,
      { timeZone: 'Europe/Paris', rules: { anomaly: { sensitivity: 8 }, unpriced: { enabled: false } } },
      ctx,
    );
    expect(updated).toMatchObject({
      timeZone: 'Europe/Paris',
      revision: 0,
      rules: { anomaly: { sensitivity: 8, cooldownMinutes: 240 }, unpriced: { enabled: false } },
    });
    const budget = await h.request(s.createBudget, projectBudget(tenant), ctx);
    expect(budget).toMatchObject({ timeZone: 'Europe/Paris', current: { period: { timeZone: 'Europe/Paris' } } });
    const bad = await h.reply(s.updateSettings, { timeZone: 'Nowhere', rules: { anomaly: { sensitivity: 0 }, paging: {} } as never }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'ALERT_SETTINGS_INVALID' } });
    if (!bad.ok) expect(bad.error.errors?.map((e) => e.field)).toEqual(['/timeZone', '/rules/anomaly/sensitivity', '/rules/paging']);
  });

  it('acknowledges a firing alert once, and resolves it when the budget no longer warrants it', async () => {
    const tenant = newTenant();
    const ctx = { ...contextOf(tenant), actor: { type: 'user' as const, id: 'on-call' } };
    await h.request(s.updateSettings, { rules: { forecast: { enabled: false } } }, ctx);
    const budget = await h.request(s.createBudget, projectBudget(tenant), ctx);
    await h.appendUsage(usageRecorded(tenant, [usageRecord({ cost: '6' })]));
    const alert = await firstAlert(tenant);
    expect(alert).toMatchObject({ kind: 'threshold', state: 'firing', budgetId: budget.id, notification: { threshold: '50' } });

    const acked = await h.request(s.acknowledgeAlert, { alertId: alert.id }, ctx);
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'user:on-call', acknowledgedAt: expect.any(String) });
    expect(await h.request(s.acknowledgeAlert, { alertId: alert.id }, ctx)).toMatchObject({
      state: 'acknowledged',
      revision: acked.revision,
    });
    expect((await h.request(s.listAlerts, { state: 'firing' }, ctx)).data).toEqual([]);

    // The amount raised above the spend: the 50 % threshold no longer holds.
    await h.request(s.updateBudget, { budgetId: budget.id, amount: { amount: '100', currency: 'USD' } }, ctx);
    await h.tick();
    const resolved = await h.request(s.getAlert, { alertId: alert.id }, ctx);
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'condition-cleared', resolvedAt: expect.any(String) });
    expect(await h.reply(s.acknowledgeAlert, { alertId: alert.id }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'ALERT_ALREADY_RESOLVED' },
    });

    // A deleted budget's open alerts resolve too; a higher threshold supersedes a lower one.
    const second = await h.request(s.createBudget, { ...projectBudget(tenant, '8'), name: 'Second' }, ctx);
    await h.appendUsage(usageRecorded(tenant, [usageRecord({ cost: '1' })]));
    await h.tick();
    const [open] = (await h.request(s.listAlerts, { budgetId: second.id }, ctx)).data;
    expect(open).toMatchObject({ state: 'firing', notification: { threshold: '80' } });
    await h.request(s.deleteBudget, { budgetId: second.id }, ctx);
    await h.tick();
    expect(await h.request(s.getAlert, { alertId: open.id }, ctx)).toMatchObject({ state: 'resolved', resolution: 'budget-deleted' });
  });

  it('filters alerts by state, kind and time, newest first, a page at a time', async () => {
    const tenant = newTenant();
    const ctx = contextOf(tenant);
    await h.request(s.updateSettings, { rules: { forecast: { enabled: false } } }, ctx);
    for (const amount of ['1', '2', '4']) {
      await h.request(s.createBudget, { ...projectBudget(tenant, amount), thresholds: [100] }, ctx);
    }
    const before = new Date().toISOString();
    await h.appendUsage(usageRecorded(tenant, [usageRecord({ cost: '5' })]));
    await h.until(async () => (await h.request(s.listAlerts, {}, ctx)).data.length === 3, 'three alerts');
    const page1 = await h.request(s.listAlerts, { limit: 2, kind: 'threshold', state: 'firing', from: before }, ctx);
    expect(page1.data).toHaveLength(2);
    const page2 = await h.request(
      s.listAlerts,
      { limit: 2, kind: 'threshold', state: 'firing', from: before, cursor: page1.nextCursor! },
      ctx,
    );
    expect(page2).toMatchObject({ data: [expect.any(Object)], nextCursor: null });
    const all = [...page1.data, ...page2.data];
    expect(new Set(all.map((a) => a.id)).size).toBe(3);
    expect(all.map((a) => a.firedAt)).toEqual([...all.map((a) => a.firedAt)].sort().reverse());
    expect((await h.request(s.listAlerts, { to: before }, ctx)).data).toEqual([]);
    expect((await h.request(s.listAlerts, { state: 'resolved' }, ctx)).data).toEqual([]);
    const bad = await h.reply(s.listAlerts, { state: 'open' as 'firing', from: 'yesterday', limit: 0, cursor: 'nope' }, ctx);
    if (bad.ok) throw new Error('expected a 400');
    expect(bad.error).toMatchObject({ code: 'ALERT_QUERY_INVALID' });
    expect(bad.error.errors?.map((e) => e.field)).toEqual(['/state', '/from', '/limit', '/cursor']);
  });

  it("answers not found for another organization's budget, alert, channel and deliveries, and lists none of them", async () => {
    const owner = newTenant();
    const intruder = newTenant();
    const mine = contextOf(owner);
    const theirs = contextOf(intruder);
    await h.request(s.updateSettings, { rules: { forecast: { enabled: false } } }, mine);
    const channel = await h.request(
      s.createChannel,
      { type: 'webhook', name: 'ops', config: { url: receiver.on('/hooks/tenancy', { status: 204 }) } },
      mine,
    );
    const budget = await h.request(s.createBudget, projectBudget(owner), mine);
    await h.appendUsage(usageRecorded(owner, [usageRecord({ cost: '9' })]));
    const alert = await firstAlert(owner);

    const notFound = (code: string) => ({ ok: false, error: expect.objectContaining({ code }) });
    expect(await h.reply(s.getBudget, { budgetId: budget.id }, theirs)).toEqual(notFound('BUDGET_NOT_FOUND'));
    expect(await h.reply(s.updateBudget, { budgetId: budget.id, name: 'mine now' }, theirs)).toEqual(notFound('BUDGET_NOT_FOUND'));
    expect(await h.reply(s.deleteBudget, { budgetId: budget.id }, theirs)).toEqual(notFound('BUDGET_NOT_FOUND'));
    expect(await h.reply(s.getAlert, { alertId: alert.id }, theirs)).toEqual(notFound('ALERT_NOT_FOUND'));
    expect(await h.reply(s.acknowledgeAlert, { alertId: alert.id }, theirs)).toEqual(notFound('ALERT_NOT_FOUND'));
    expect(await h.reply(s.listDeliveries, { alertId: alert.id }, theirs)).toEqual(notFound('ALERT_NOT_FOUND'));
    expect(await h.reply(s.deleteChannel, { channelId: channel.id }, theirs)).toEqual(notFound('CHANNEL_NOT_FOUND'));
    expect(await h.reply(s.testChannel, { channelId: channel.id }, theirs)).toEqual(notFound('CHANNEL_NOT_FOUND'));
    expect(await h.reply(s.getBudget, { budgetId: 'not-a-uuid' }, theirs)).toEqual(notFound('BUDGET_NOT_FOUND'));
    expect((await h.request(s.listBudgets, {}, theirs)).data).toEqual([]);
    expect((await h.request(s.listAlerts, {}, theirs)).data).toEqual([]);
    expect((await h.request(s.listChannels, {}, theirs)).data).toEqual([]);
    expect(await h.request(s.getSettings, {}, theirs)).toMatchObject({ organizationId: intruder.organizationId, revision: -1 });

    // Still all there for their owner, untouched.
    expect(await h.request(s.getBudget, { budgetId: budget.id }, mine)).toMatchObject({ name: 'Checkout', revision: 0 });
    expect(await h.request(s.getAlert, { alertId: alert.id }, mine)).toMatchObject({ state: 'firing' });
    expect((await h.request(s.listChannels, {}, mine)).data).toHaveLength(1);

    // The gateway's question for id-only routes: whose is it (then it checks the caller's role there).
    expect(await h.request(s.resolveOwner, { resource: 'budget', id: budget.id })).toEqual({ organizationId: owner.organizationId });
    expect(await h.request(s.resolveOwner, { resource: 'alert', id: alert.id })).toEqual({ organizationId: owner.organizationId });
    expect(await h.request(s.resolveOwner, { resource: 'channel', id: channel.id })).toEqual({ organizationId: owner.organizationId });
    expect(await h.reply(s.resolveOwner, { resource: 'channel', id: budget.id })).toEqual(notFound('CHANNEL_NOT_FOUND'));
  });
});
