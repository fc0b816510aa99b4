import { alertsSubjects as s, reconciliationStreams, type AlertView, type ReconciliationEvent } from '@llmlab/contracts';
import { AlertsHarness } from './alerts.harness';
import { contextOf, newTenant, type Tenant } from './fixtures';
import { Receiver } from '@llmlab/testing';

jest.setTimeout(90_000);

// The reconciliation rule driven as provider-sync drives it: discrepancies appended to its stream, relayed to
// EVENTS, consumed by the alerts service, which fires (once) and delivers to the organization's channels.
describe('reconciliation rule', () => {
  let h: AlertsHarness;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await new Receiver().start();
    h = await AlertsHarness.start({ env: { ALERTS_TRUSTED_ORIGINS: receiver.origin } });
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.stop();
  });

  async function report(tenant: Tenant, data: Partial<ReconciliationEvent['data']>): Promise<void> {
    const event: ReconciliationEvent = {
      type: 'ReconciliationDiscrepancyDetected',
      data: {
        organizationId: tenant.organizationId,
        provider: 'openai',
        day: '2026-03-02',
        direction: 'unrecorded',
        recorded: { amount: '41.25', currency: 'USD' },
        billed: { amount: '58.9', currency: 'USD' },
        difference: { amount: '17.65', currency: 'USD' },
        detectedAt: new Date().toISOString(),
        ...data,
      },
    };
    await h.runtime.eventStore.appendToStream(
      reconciliationStreams.organization(tenant.organizationId),
      [
        {
          ...event,
          metadata: { actor: { type: 'system', id: 'provider-sync' }, organizationId: tenant.organizationId, correlationId: 'sync' },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  const alerts = async (tenant: Tenant): Promise<AlertView[]> =>
    (await h.request(s.listAlerts, { kind: 'reconciliation' }, contextOf(tenant))).data;
  /**
   * Every discrepancy appended so far has been consumed: the consumer takes them one at a time in order, so once a
   * sentinel appended last has fired, everything before it was decided.
   */
  async function consumed(): Promise<void> {
    const sentinel = newTenant();
    await report(sentinel, {});
    await h.until(async () => (await alerts(sentinel)).length === 1, 'the sentinel alert');
  }

  it('fires once per provider, day and direction over the threshold, and delivers it to the channels', async () => {
    const tenant = newTenant();
    const path = `/hooks/${tenant.organizationId}`;
    await h.request(s.createChannel, { type: 'webhook', name: 'ops', config: { url: `${receiver.origin}${path}` } }, contextOf(tenant));
    receiver.on(path, { status: 204 });

    await report(tenant, {});
    await h.until(async () => (await alerts(tenant)).length === 1, 'the alert');
    await receiver.waitFor(path, 1);
    const [delivered] = receiver.hits(path);
    expect(JSON.parse(delivered.body)).toMatchObject({
      type: 'alert.reconciliation',
      alert: {
        kind: 'reconciliation',
        provider: 'openai',
        day: '2026-03-02',
        direction: 'unrecorded',
        billed: { amount: '58.9' },
        recorded: { amount: '41.25' },
        difference: { amount: '17.650000000000' },
      },
    });

    // A re-sync reporting the same day again (same or new figures) fires nothing new; another provider does.
    await report(tenant, {});
    await report(tenant, { billed: { amount: '90', currency: 'USD' }, difference: { amount: '48.75', currency: 'USD' } });
    await report(tenant, { provider: 'anthropic' });
    await h.until(async () => (await alerts(tenant)).length === 2, 'the second provider');
    await consumed();
    await h.settled();
    const fired = await alerts(tenant);
    expect(fired.map((a) => a.notification.kind === 'reconciliation' && a.notification.provider).sort()).toEqual(['anthropic', 'openai']);
    await receiver.waitFor(path, 2);
    expect(receiver.hits(path)).toHaveLength(2);
  });

  it("follows the organization's threshold and switch", async () => {
    const tenant = newTenant();
    await h.request(s.updateSettings, { rules: { reconciliation: { threshold: '20' } } }, contextOf(tenant));
    await report(tenant, { day: '2026-03-03' });
    await report(tenant, { day: '2026-03-04', recorded: { amount: '100', currency: 'USD' }, billed: { amount: '79.5', currency: 'USD' } });
    await consumed();
    const [alert] = await alerts(tenant);
    expect(alert.notification).toMatchObject({ day: '2026-03-04', direction: 'overrecorded', difference: { amount: '20.500000000000' } });

    const quiet = newTenant();
    await h.request(s.updateSettings, { rules: { reconciliation: { enabled: false } } }, contextOf(quiet));
    await report(quiet, {});
    await consumed();
    await h.settled();
    expect(await alerts(quiet)).toEqual([]);
  });
});
