import { alertsSubjects as s, type AlertView, type ChannelView, type DeliveryView } from '@llmlab/contracts';
import { verifyWebhookSignature } from '@llmlab/notifications';
import { discordMessageViolations, slackMessageViolations } from '../../../libs/notifications/src/testing/channel-fixtures';
import { AlertsHarness } from './alerts.harness';
import { nameTenant } from './directory';
import { contextOf, newTenant, usageRecord, usageRecorded, type Tenant } from './fixtures';
import { discordOk, Receiver, slackOk } from '@llmlab/testing';

jest.setTimeout(90_000);

// From usage to the requests Slack, Discord and a customer's webhook receive, through the service: the threshold
// rule, the delivery consumer with its retries and its bound, and what the deliveries query shows.
describe('alert delivery', () => {
  let receiver: Receiver;
  let h: AlertsHarness;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    h = await AlertsHarness.start({ env: { ALERTS_TRUSTED_ORIGINS: receiver.origin, ALERTS_DELIVERY_MAX_ATTEMPTS: '4' } });
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.stop();
  });

  async function channel(tenant: Tenant, type: 'slack' | 'discord' | 'webhook', url: string, extra: Record<string, unknown> = {}) {
    return h.request(s.createChannel, { type, name: `${type} alerts`, config: { url, ...extra } }, contextOf(tenant));
  }

  /**
   * A project budget of 10 USD and usage worth `spend` USD: the highest threshold reached fires. The forecast rule
   * is off, so the one alert is the threshold's (docs: a forecast from a period's run rate fires too).
   */
  async function overspend(tenant: Tenant, spend: string): Promise<AlertView> {
    await h.request(s.updateSettings, { rules: { forecast: { enabled: false } } }, contextOf(tenant));
    await h.request(
      s.createBudget,
      {
        name: 'Checkout monthly',
        scope: { type: 'project', projectId: tenant.projectId },
        period: 'monthly',
        amount: { amount: '10', currency: 'USD' },
      },
      contextOf(tenant),
    );
    await h.appendUsage(usageRecorded(tenant, [usageRecord({ cost: spend })]));
    let alert: AlertView | undefined;
    await h.until(async () => {
      [alert] = (await h.request(s.listAlerts, {}, contextOf(tenant))).data;
      return alert !== undefined;
    }, 'the alert');
    return alert!;
  }

  async function deliveries(tenant: Tenant, alertId: string, done: (d: DeliveryView[]) => boolean, what: string): Promise<DeliveryView[]> {
    let list: DeliveryView[] = [];
    await h.until(async () => done((list = (await h.request(s.listDeliveries, { alertId }, contextOf(tenant))).data)), what, 30_000);
    return list;
  }

  it('sends a threshold alert to Slack, Discord and a signed webhook, each once, in their documented shapes', async () => {
    const tenant = newTenant();
    await nameTenant(h, tenant, 'Acme', 'checkout-bot');
    const slack = await channel(tenant, 'slack', receiver.on('/services/T0001/B0001/slack-secret', slackOk));
    const discord = await channel(tenant, 'discord', receiver.on('/api/webhooks/123456/discord-secret', discordOk));
    const webhook = await channel(tenant, 'webhook', receiver.on('/hooks/llmlab', { status: 204 }));
    expect(webhook.signingSecret).toMatch(/^whsec_/);
    expect(slack.description).not.toContain('slack-secret');

    const alert = await overspend(tenant, '8.5');
    expect(alert).toMatchObject({
      kind: 'threshold',
      state: 'firing',
      scope: { type: 'project', projectId: tenant.projectId, description: 'project checkout-bot' },
      notification: { threshold: '80', percentage: '85.00', organization: { name: 'Acme' }, spend: { amount: '8.500000000000' } },
    });

    await Promise.all([
      receiver.waitFor('/services/T0001/B0001/slack-secret', 1),
      receiver.waitFor('/api/webhooks/123456/discord-secret', 1),
      receiver.waitFor('/hooks/llmlab', 1),
    ]);
    const [slackRequest] = receiver.hits('/services/T0001/B0001/slack-secret');
    const slackBody = JSON.parse(slackRequest.body);
    expect(slackMessageViolations(slackBody)).toEqual([]);
    expect(slackBody.text).toBe('Budget 80% reached: project checkout-bot has spent 8.50 USD of its 10.00 USD monthly budget (85%).');
    expect(slackBody.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Budget 80% reached', emoji: true } });

    const [discordRequest] = receiver.hits('/api/webhooks/123456/discord-secret');
    const discordBody = JSON.parse(discordRequest.body);
    expect(discordMessageViolations(discordBody)).toEqual([]);
    expect(discordBody.embeds[0]).toMatchObject({ title: 'Budget 80% reached', url: alert.notification.link });
    expect(discordBody.allowed_mentions).toEqual({ parse: [] });

    const [webhookRequest] = receiver.hits('/hooks/llmlab');
    const verified = verifyWebhookSignature(webhook.signingSecret!, webhookRequest.headers, webhookRequest.body);
    expect(verified).toEqual({ ok: true, timestamp: expect.any(Number), deliveryId: `${alert.id}:${webhook.id}` });
    expect(verifyWebhookSignature('whsec_not_the_secret_at_all_000000', webhookRequest.headers, webhookRequest.body)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(JSON.parse(webhookRequest.body)).toMatchObject({
      version: 1,
      type: 'alert.threshold',
      deliveryId: `${alert.id}:${webhook.id}`,
      alert: { alertId: alert.id },
    });

    const list = await deliveries(tenant, alert.id, (d) => d.length === 3 && d.every((x) => x.state === 'delivered'), 'three deliveries');
    expect(list.map((d) => [d.channelId, d.channelType, d.attempts, d.log.map((l) => [l.outcome, l.httpStatus])])).toEqual([
      [slack.id, 'slack', 1, [['delivered', 200]]],
      [discord.id, 'discord', 1, [['delivered', 204]]],
      [webhook.id, 'webhook', 1, [['delivered', 204]]],
    ]);
    // More usage in the same period: the 80 % threshold does not fire again, nothing more is sent.
    await h.appendUsage(usageRecorded(tenant, [usageRecord({ cost: '0.5' })]));
    await h.tick();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.hits('/hooks/llmlab')).toHaveLength(1);
    expect((await h.request(s.listAlerts, {}, contextOf(tenant))).data).toHaveLength(1);
  });

  it('never returns or records a channel secret in clear', async () => {
    const tenant = newTenant();
    const created = await channel(tenant, 'webhook', receiver.on('/hooks/secretive', { status: 204 }), {
      secret: 'whsec_given_by_the_customer_0123456789',
    });
    expect(created.signingSecret).toBeUndefined();
    const listed = await h.request(s.listChannels, {}, contextOf(tenant));
    expect(JSON.stringify(listed)).not.toContain('whsec_given');
    expect(listed.data).toEqual([
      expect.objectContaining<Partial<ChannelView>>({ id: created.id, type: 'webhook', description: `webhook ${receiver.origin}/hooks/…` }),
    ]);
    const [added] = (await h.events('ChannelAdded')).filter((e) => (e.data as { channelId: string }).channelId === created.id);
    expect(JSON.stringify(added.data)).not.toMatch(/whsec_given|secretive/);
    const stored = await h.rows('SELECT config::text AS config FROM alerts.channels WHERE id = $1', [created.id]);
    expect(stored[0].config).not.toMatch(/whsec_given|secretive/);
  });

  it('retries a 500 and a 429, waiting at least what Retry-After asked for, and records every attempt', async () => {
    const tenant = newTenant();
    const slackPath = '/services/T0002/B0002/flaky';
    const discordPath = '/api/webhooks/222/limited';
    await channel(tenant, 'slack', receiver.on(slackPath, { status: 500, body: 'rollup_error' }, slackOk));
    await channel(
      tenant,
      'discord',
      receiver.on(
        discordPath,
        {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '2', 'x-ratelimit-reset-after': '1.5' },
          body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 1.5, global: false }),
        },
        discordOk,
      ),
    );
    const alert = await overspend(tenant, '6');
    const list = await deliveries(tenant, alert.id, (d) => d.length === 2 && d.every((x) => x.state === 'delivered'), 'both deliveries');
    const [slackLog, discordLog] = list.map((d) => d.log);
    expect(slackLog).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'retryable',
        reason: 'server-error',
        httpStatus: 500,
        detail: 'HTTP 500: rollup_error',
      }),
      expect.objectContaining({ attempt: 2, outcome: 'delivered', httpStatus: 200 }),
    ]);
    expect(discordLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'retryable', reason: 'rate-limited', httpStatus: 429, retryInMs: expect.any(Number) }),
      expect.objectContaining({ attempt: 2, outcome: 'delivered', httpStatus: 204 }),
    ]);
    expect(discordLog[0].retryInMs).toBeGreaterThanOrEqual(2_000);
    const [first, second] = receiver.hits(discordPath);
    expect(second.at - first.at).toBeGreaterThanOrEqual(2_000);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('gives up after the last attempt: the delivery is dead and says why', async () => {
    const tenant = newTenant();
    const path = '/hooks/always-down';
    const webhook = await channel(tenant, 'webhook', receiver.on(path, { status: 503, body: 'maintenance' }));
    const alert = await overspend(tenant, '12');
    const [dead] = await deliveries(tenant, alert.id, (d) => d[0]?.state === 'dead', 'a dead delivery');
    expect(dead).toMatchObject({ channelId: webhook.id, state: 'dead', attempts: 4, lastError: 'HTTP 503: maintenance (attempt 4 of 4)' });
    expect(dead.log.map((l) => l.outcome)).toEqual(['retryable', 'retryable', 'retryable', 'dead']);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.hits(path)).toHaveLength(4);
    // Every attempt carried the same idempotency key.
    expect(new Set(receiver.hits(path).map((r) => r.headers['x-llmlab-delivery']))).toEqual(new Set([`${alert.id}:${webhook.id}`]));
  });

  it('records a refusal by the receiver as failed, without retrying', async () => {
    const tenant = newTenant();
    const path = '/services/T0003/B0003/gone';
    await channel(tenant, 'slack', receiver.on(path, { status: 404, body: 'no_service' }));
    const alert = await overspend(tenant, '9');
    const [failed] = await deliveries(tenant, alert.id, (d) => d[0]?.state === 'failed', 'a failed delivery');
    expect(failed).toMatchObject({
      attempts: 1,
      lastError: 'HTTP 404: no_service',
      log: [expect.objectContaining({ outcome: 'permanent', reason: 'rejected' })],
    });
    expect(receiver.hits(path)).toHaveLength(1);
  });

  it('refuses destinations the SSRF rules forbid, and URLs off the official hosts, when the channel is registered', async () => {
    const tenant = newTenant();
    const attempts: [string, Record<string, unknown>][] = [
      ['slack', { url: 'https://example.com/services/T1/B1/x' }],
      ['discord', { url: 'https://discord.com.evil.example/api/webhooks/1/x' }],
      ['webhook', { url: 'https://169.254.169.254/latest/meta-data' }],
      ['webhook', { url: 'https://[::ffff:127.0.0.1]/hook' }],
      ['webhook', { url: 'https://127.1/hook' }],
      ['webhook', { url: 'http://example.com/hook' }],
      ['webhook', { url: `http://127.0.0.1:1/not-trusted` }],
      ['webhook', { url: 'https://hooks.example.com/x', secret: 'short' }],
    ];
    for (const [type, config] of attempts) {
      const reply = await h.reply(s.createChannel, { type: type as 'webhook', name: 'x', config }, contextOf(tenant));
      expect([type, config, reply]).toEqual([type, config, { ok: false, error: expect.objectContaining({ code: 'CHANNEL_INVALID' }) }]);
      if (!reply.ok) expect(reply.error.errors?.[0].field).toMatch(/^\/config\/(url|secret)$/);
    }
    const unknown = await h.reply(s.createChannel, { type: 'pager' as 'webhook', name: 'x', config: {} }, contextOf(tenant));
    expect(unknown).toMatchObject({ ok: false, error: { code: 'CHANNEL_INVALID', errors: [{ field: '/type' }] } });
    expect((await h.request(s.listChannels, {}, contextOf(tenant))).data).toEqual([]);
  });

  it('tests a channel with one attempt and says what the receiver answered', async () => {
    const tenant = newTenant();
    const ok = await channel(tenant, 'slack', receiver.on('/services/T0004/B0004/test', slackOk));
    const broken = await channel(
      tenant,
      'discord',
      receiver.on('/api/webhooks/444/broken', { status: 400, body: '{"code": 50035, "message": "Invalid Form Body"}' }),
    );
    expect(await h.request(s.testChannel, { channelId: ok.id }, contextOf(tenant))).toMatchObject({
      outcome: 'delivered',
      httpStatus: 200,
      reason: null,
    });
    expect(slackMessageViolations(JSON.parse(receiver.hits('/services/T0004/B0004/test')[0].body))).toEqual([]);
    expect(await h.request(s.testChannel, { channelId: broken.id }, contextOf(tenant))).toMatchObject({
      outcome: 'permanent',
      reason: 'rejected',
      httpStatus: 400,
    });
  });

  it('sends nothing to a removed channel', async () => {
    const tenant = newTenant();
    const kept = await channel(tenant, 'webhook', receiver.on('/hooks/kept', { status: 204 }));
    const removed = await channel(tenant, 'webhook', receiver.on('/hooks/removed', { status: 204 }));
    await h.request(s.deleteChannel, { channelId: removed.id }, contextOf(tenant));
    expect(await h.reply(s.deleteChannel, { channelId: removed.id }, contextOf(tenant))).toMatchObject({
      ok: false,
      error: { code: 'CHANNEL_NOT_FOUND' },
    });
    const alert = await overspend(tenant, '5');
    const list = await deliveries(tenant, alert.id, (d) => d.length === 1 && d[0].state === 'delivered', 'the one delivery');
    expect(list[0].channelId).toBe(kept.id);
    expect(receiver.hits('/hooks/removed')).toHaveLength(0);
  });
});
