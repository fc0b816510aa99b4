import { jetstreamManager } from '@nats-io/jetstream';
import { alertsSubjects as s, auditStreams, type AlertView, type AuditIntegrityViolatedData } from '@llmlab/contracts';
import { Receiver, slackOk } from '@llmlab/testing';
import { slackMessageViolations } from '../../../libs/notifications/src/testing/channel-fixtures';
import { AuditIntegrityWorker } from '../src/audit-integrity/audit-integrity.worker';
import { AlertsHarness } from './alerts.harness';
import { contextOf, newTenant, type Tenant } from './fixtures';

jest.setTimeout(90_000);

// The audit_integrity alert driven as the audit service drives it: `AuditIntegrityViolated` appended to
// `audit.integrity`, relayed to EVENTS, consumed by the alerts service (`alerts-audit-integrity`), which fires once
// per incident to the organization named by the event and delivers it to its Slack channel.
describe('audit integrity alert', () => {
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

  async function violation(organizationId: string | null, data: Partial<AuditIntegrityViolatedData> = {}): Promise<void> {
    const position = data.position ?? 1042;
    const event = {
      type: 'AuditIntegrityViolated' as const,
      data: {
        position,
        reason: 'anchor_changed' as const,
        detail: `event ${position} is no longer the event the audit tree recorded: the store was rewritten from there on`,
        organizationId,
        detectedAt: '2026-12-05T03:14:58.120Z',
        ...data,
      },
    };
    await h.runtime.eventStore.appendToStream(
      auditStreams.integrity,
      [
        {
          ...event,
          metadata: { actor: { type: 'system', id: 'audit' }, organizationId: organizationId ?? undefined, correlationId: 'audit' },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  const alerts = async (tenant: Tenant): Promise<AlertView[]> =>
    (await h.request(s.listAlerts, { kind: 'audit_integrity' }, contextOf(tenant))).data;
  const firedInStore = async (): Promise<number> =>
    (await h.events<{ kind: string }>('AlertFired')).filter((e) => e.data.kind === 'audit_integrity').length;
  /** The consumer takes violations one at a time in order: once one appended last has fired, all before it were decided. */
  async function consumed(): Promise<void> {
    const sentinel = newTenant();
    await violation(sentinel.organizationId);
    await h.until(async () => (await alerts(sentinel)).length === 1, 'the sentinel alert');
    await h.settled();
  }

  it("tells the organization's Slack channel once, naming the position and the check, whatever its settings", async () => {
    const tenant = newTenant();
    const slackPath = `/services/T0001/B0001/integrity${tenant.organizationId.replace(/-/g, '')}`;
    receiver.on(slackPath, slackOk);
    await h.request(s.createChannel, { type: 'slack', name: 'security', config: { url: receiver.origin + slackPath } }, contextOf(tenant));
    // Every rule the settings have, off: this one is not among them.
    await h.request(
      s.updateSettings,
      {
        rules: Object.fromEntries(
          ['threshold', 'forecast', 'anomaly', 'errorRate', 'traceFailures', 'unpriced', 'reconciliation'].map((r) => [
            r,
            { enabled: false },
          ]),
        ),
      },
      contextOf(tenant),
    );

    await violation(tenant.organizationId);
    await receiver.waitFor(slackPath, 1);
    const slack = JSON.parse(receiver.hits(slackPath)[0].body);
    expect(slackMessageViolations(slack)).toEqual([]);
    expect(slack.text).toContain('Audit log tampering detected: ');
    expect(slack.text).toContain('changed at position 1042: an event already in the audit tree was rewritten.');
    expect(slack.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual(
      expect.arrayContaining(['*Position*\n1042', '*Check failed*\nanchor_changed', '*Detected*\n2026-12-05 03:14 UTC']),
    );

    const [alert] = await alerts(tenant);
    expect(alert).toMatchObject({
      kind: 'audit_integrity',
      state: 'firing',
      scope: { type: 'organization' },
      notification: { kind: 'audit_integrity', position: 1042, reason: 'anchor_changed', detectedAt: '2026-12-05T03:14:58.120Z' },
    });

    // The same incident reported again, then every violation redelivered (the consumer's progress lost): nothing new.
    await violation(tenant.organizationId);
    await h.get(AuditIntegrityWorker).stop();
    const jsm = await jetstreamManager(h.runtime.nats);
    await jsm.consumers.delete(h.runtime.streams.events.name, 'alerts-audit-integrity');
    await h.get(AuditIntegrityWorker).start();
    await consumed();
    // A new consumer delivered every violation again: the tenant's two and the sentinel's.
    expect((await jsm.consumers.info(h.runtime.streams.events.name, 'alerts-audit-integrity')).delivered.consumer_seq).toBe(3);
    expect(await alerts(tenant)).toHaveLength(1);
    expect((await h.request(s.listDeliveries, { alertId: alert.id }, contextOf(tenant))).data).toEqual([
      expect.objectContaining({ channelType: 'slack', state: 'delivered', attempts: 1 }),
    ]);
    expect(receiver.hits(slackPath)).toHaveLength(1);

    // Acknowledged as any alert; never resolved by the rules (an operator closes the incident in the audit service).
    await h.request(s.acknowledgeAlert, { alertId: alert.id }, contextOf(tenant));
    await h.tick();
    expect(await h.request(s.getAlert, { alertId: alert.id }, contextOf(tenant))).toMatchObject({
      state: 'acknowledged',
      resolvedAt: null,
      resolution: null,
    });
  });

  it('fires nothing for an event of no organization, and another incident is another alert', async () => {
    const tenant = newTenant();
    await consumed();
    const before = await firedInStore();
    await violation(null, { position: 7 });
    await violation('not-an-organization-id', { position: 8 });
    await consumed();
    expect(await firedInStore()).toBe(before + 1); // the sentinel's

    await violation(tenant.organizationId, { position: 1042 });
    await violation(tenant.organizationId, { position: 1042, detectedAt: '2026-12-06T00:00:00.000Z' });
    await consumed();
    expect((await alerts(tenant)).map((a) => a.notification.kind === 'audit_integrity' && a.notification.detectedAt).sort()).toEqual([
      '2026-12-05T03:14:58.120Z',
      '2026-12-06T00:00:00.000Z',
    ]);
  });
});
