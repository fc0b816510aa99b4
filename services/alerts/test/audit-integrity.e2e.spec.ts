import {
  createSession,
  eventually,
  Receiver,
  slackOk,
  startPlatformSession,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { slackMessageViolations } from '../../../libs/notifications/src/testing/channel-fixtures';

jest.setTimeout(180_000);

const MARKER = 'rewritten-by-the-attacker';

// The audit_integrity alert on the whole platform: a database superuser edits one of an organization's events behind
// the store's back; the audit service's verification finds it and appends `AuditIntegrityViolated`; the alerts
// service tells that organization's Slack channel, once, naming the position, and no other organization's.
describe('the audit integrity alert, end to end', () => {
  let session: PlatformSession;
  let receiver: Receiver;
  let victim: TestSession;
  let bystander: TestSession;
  const victimSlack = '/services/T0001/B0001/auditvictim0123456789';
  const bystanderSlack = '/services/T0001/B0001/auditbystander0123456';

  beforeAll(async () => {
    receiver = await new Receiver().start();
    receiver.on(victimSlack, slackOk);
    receiver.on(bystanderSlack, slackOk);
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'audit', 'alerts'],
      env: {
        ALERTS_TRUSTED_ORIGINS: receiver.origin,
        ALERTS_APP_URL: 'https://app.llmlab.test',
        // A head over every event, and the whole history re-derived twice a second.
        AUDIT_SIGN_EVERY_EVENTS: '1',
        AUDIT_SIGN_INTERVAL_MS: '200',
        AUDIT_TREE_POLL_MS: '100',
        AUDIT_FULL_VERIFICATION_INTERVAL_MS: '500',
      },
    });
    const url = session.platform.gatewayUrl;
    victim = await createSession(url, { organizationName: 'Tampered' });
    bystander = await createSession(url, { organizationName: 'Bystander' });
    for (const [tenant, path] of [
      [victim, victimSlack],
      [bystander, bystanderSlack],
    ] as const) {
      const channel = await tenant.agent.post(`/v1/organizations/${tenant.organizationId}/channels`, {
        type: 'slack',
        name: 'security',
        config: { url: receiver.origin + path },
      });
      expect(channel.status).toBe(201);
    }
  }, 180_000);

  afterAll(async () => {
    await session?.stop();
    await receiver?.stop();
  }, 60_000);

  it('tells the organization whose event was edited, once, by position and check, and nothing of the event', async () => {
    const { rows } = await session.pool.query<{ position: string; type: string }>(
      `SELECT position, type FROM event_store.events WHERE metadata->>'organizationId' = $1 ORDER BY position LIMIT 1`,
      [victim.organizationId],
    );
    const position = Number(rows[0].position);
    await eventually(
      async () => {
        const integrity = await victim.agent.get('/v1/audit/integrity');
        if (integrity.body.status === 'verified' && integrity.body.latestHead?.treeSize >= position) return true;
        throw new Error(`${integrity.status} ${JSON.stringify(integrity.body)}`);
      },
      'a signed head over the event, verified',
      90_000,
    );

    session.platform.expectAuditIncident(position);
    await session.pool.query(`
      ALTER TABLE event_store.events DISABLE TRIGGER events_append_only;
      UPDATE event_store.events SET data = jsonb_set(data, '{note}', '"${MARKER}"') WHERE position = ${position};
      ALTER TABLE event_store.events ENABLE ALWAYS TRIGGER events_append_only;
    `);

    await receiver.waitFor(victimSlack, 1, 60_000);
    const body = receiver.hits(victimSlack)[0].body;
    const slack = JSON.parse(body);
    expect(slackMessageViolations(slack)).toEqual([]);
    expect(slack.text).toMatch(new RegExp(`^Audit log tampering detected: .* at position ${position}: `));
    const fields = slack.blocks[2].fields.map((f: { text: string }) => f.text);
    expect(fields).toContain(`*Position*\n${position}`);
    expect(fields.find((f: string) => f.startsWith('*Check failed*'))).toMatch(/chain_broken|signed_root_mismatch|anchor_changed/);
    expect(body).not.toContain(MARKER);
    expect(body).not.toContain(rows[0].type);

    const alerts = await victim.agent.get(`/v1/organizations/${victim.organizationId}/alerts?kind=audit_integrity`);
    expect(alerts.status).toBe(200);
    expect(alerts.body.data).toHaveLength(1);
    const [alert] = alerts.body.data;
    expect(alert).toMatchObject({ kind: 'audit_integrity', state: 'firing', notification: { position } });
    const acknowledged = await victim.agent.post(`/v1/alerts/${alert.id}/acknowledge`, {});
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.state).toBe('acknowledged');

    // Three more verification rounds over the open incident: still one message, and none to the bystander.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await victim.agent.get('/v1/audit/integrity')).body).toMatchObject({ status: 'tampered', incident: { position } });
    expect(receiver.hits(victimSlack)).toHaveLength(1);
    expect(receiver.hits(bystanderSlack)).toHaveLength(0);
    const quiet = await bystander.agent.get(`/v1/organizations/${bystander.organizationId}/alerts?kind=audit_integrity`);
    expect(quiet.body.data).toEqual([]);
  });
});
