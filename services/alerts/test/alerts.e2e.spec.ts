import { randomBytes } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { v7 as uuidv7 } from 'uuid';
import { verifyWebhookSignature } from '@llmlab/notifications';
import {
  createSession,
  createTestDatabase,
  eventually,
  expectProblem,
  joinOrganization,
  signUp,
  TestPlatform,
  usageEvent,
  type Agent,
  type HttpResult,
  type TestDatabase,
  type TestSession,
  discordOk,
  Receiver,
  slackOk,
} from '@llmlab/testing';
import { discordMessageViolations, slackMessageViolations } from '../../../libs/notifications/src/testing/channel-fixtures';

jest.setTimeout(180_000);

const APP_URL = 'https://app.llmlab.test';

// Issue 5's main scenario through the gateway only, on the whole platform: channels on local receivers, a project
// budget, usage sent with an API key, then the alert on every channel within 60 s (Slack Block Kit, a Discord
// embed, a signed webhook), listed, acknowledged, its deliveries recorded, the budget's live spend and forecast;
// and what other tenants, other roles and API keys get on the same ids.
describe('budgets, alerts and channels through the gateway', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let receiver: Receiver;
  let a: TestSession;
  let b: TestSession;
  let orgPath: string;

  const paths = {
    slack: '/services/T0001/B0001/slacktoken0123456789',
    discord: '/api/webhooks/1234567890/discordtoken0123456789',
    webhook: '/llmlab/hooks',
  };
  const ids = { budget: '', alert: '', slack: '', discord: '', webhook: '' };
  let signingSecret = '';
  let alertLink = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await new Receiver().start();
    receiver.on(paths.slack, slackOk);
    receiver.on(paths.discord, discordOk);
    receiver.on(paths.webhook, { status: 204 });
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      env: {
        MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        ALERTS_TRUSTED_ORIGINS: receiver.origin,
        ALERTS_APP_URL: APP_URL,
      },
    });
    await platform.waitForReadiness(200, 60_000);
    a = await createSession(platform.gatewayUrl, { organizationName: 'Acme', projectName: 'checkout-bot' });
    b = await createSession(platform.gatewayUrl, { organizationName: 'Other tenant' });
    orgPath = `/v1/organizations/${a.organizationId}`;
  }, 150_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
    await db?.drop();
  }, 60_000);

  it('runs on the defaults, and takes a settings change only at the revision read', async () => {
    const read = await a.agent.get(`${orgPath}/alert-settings`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      organizationId: a.organizationId,
      timeZone: 'UTC',
      revision: -1,
      rules: { forecast: { enabled: true } },
    });
    expect(read.headers.get('etag')).toBe('"-1"');
    // The forecast rule is switched off so that the one message each channel gets is the threshold's.
    const changed = await a.agent.patch(`${orgPath}/alert-settings`, { rules: { forecast: { enabled: false } } }, { 'if-match': '"-1"' });
    expect(changed.status).toBe(200);
    expect(changed.body.rules.forecast).toEqual({ enabled: false, percent: 100 });
    expect(changed.headers.get('etag')).toBe('"0"');
    expectProblem(
      await a.agent.patch(`${orgPath}/alert-settings`, { timeZone: 'Europe/Paris' }, { 'if-match': '"-1"' }),
      409,
      'CONCURRENCY_CONFLICT',
    );
    const bad = await a.agent.patch(`${orgPath}/alert-settings`, { rules: { anomaly: { sensitivity: 0 } } });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors).toEqual([{ field: '/rules/anomaly/sensitivity', message: expect.any(String) }]);
  });

  it('adds Slack, Discord and webhook channels, shows the webhook secret once and no secret ever after', async () => {
    const slack = await a.agent.post(`${orgPath}/channels`, {
      type: 'slack',
      name: 'ops-slack',
      config: { url: receiver.origin + paths.slack },
    });
    const discord = await a.agent.post(`${orgPath}/channels`, {
      type: 'discord',
      name: 'ops-discord',
      config: { url: receiver.origin + paths.discord },
    });
    const webhook = await a.agent.post(`${orgPath}/channels`, {
      type: 'webhook',
      name: 'ops-webhook',
      config: { url: receiver.origin + paths.webhook },
    });
    expect([slack.status, discord.status, webhook.status]).toEqual([201, 201, 201]);
    expect(webhook.body.signingSecret).toMatch(/^whsec_/);
    expect(slack.body.signingSecret).toBeUndefined();
    ({ signingSecret } = webhook.body);
    Object.assign(ids, { slack: slack.body.id, discord: discord.body.id, webhook: webhook.body.id });

    const list = await a.agent.get(`${orgPath}/channels`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((c: { id: string; type: string }) => [c.type, c.id])).toEqual([
      ['slack', ids.slack],
      ['discord', ids.discord],
      ['webhook', ids.webhook],
    ]);
    const shown = JSON.stringify([list.body, slack.body, discord.body]);
    for (const secret of ['slacktoken0123456789', 'discordtoken0123456789', signingSecret]) expect(shown).not.toContain(secret);
    expect(Object.keys(list.body.data[0]).sort()).toEqual(['createdAt', 'description', 'id', 'name', 'organizationId', 'type']);
  });

  it('refuses a URL the SSRF rules refuse, and a secret on a channel that takes none, naming the field', async () => {
    const loopback = await a.agent.post(`${orgPath}/channels`, { type: 'webhook', name: 'x', config: { url: 'https://127.1/hook' } });
    expectProblem(loopback, 400, 'CHANNEL_INVALID');
    expect(loopback.body.errors).toEqual([{ field: '/config/url', message: expect.any(String) }]);
    const secret = await a.agent.post(`${orgPath}/channels`, {
      type: 'slack',
      name: 'x',
      config: { url: receiver.origin + paths.slack, secret: 'x'.repeat(30) },
    });
    expectProblem(secret, 400, 'VALIDATION_FAILED');
    expect(secret.body.errors.map((e: { field: string }) => e.field)).toEqual(['/config']);
  });

  it('tests a channel with one signed request, and removes a channel for good', async () => {
    const test = await a.agent.post(`/v1/channels/${ids.webhook}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ outcome: 'delivered', httpStatus: 204, reason: null });
    const [sample] = receiver.hits(paths.webhook);
    expect(verifyWebhookSignature(signingSecret, sample.headers, sample.body)).toMatchObject({ ok: true });

    const spare = await a.agent.post(`${orgPath}/channels`, {
      type: 'slack',
      name: 'spare',
      config: { url: `${receiver.origin}/services/T0002/B0002/spare` },
    });
    expect((await a.agent.delete(`/v1/channels/${spare.body.id}`)).status).toBe(204);
    expectProblem(await a.agent.delete(`/v1/channels/${spare.body.id}`), 404, 'CHANNEL_NOT_FOUND');
    expect((await a.agent.get(`${orgPath}/channels`)).body.data).toHaveLength(3);
  });

  it('creates a project budget and changes it only at the revision read', async () => {
    const created = await a.agent.post(`${orgPath}/budgets`, {
      name: 'Checkout bot',
      scope: { type: 'project', projectId: a.projectId },
      period: 'monthly',
      amount: { amount: '0.0004', currency: 'USD' },
      thresholds: [50, 80, 100],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      scope: { type: 'project', projectId: a.projectId },
      thresholds: [50, 80, 100],
      timeZone: 'UTC',
      revision: 0,
    });
    expect(created.body.current).toMatchObject({ spend: { currency: 'USD' }, thresholdsReached: [] });
    ids.budget = created.body.id;

    const read = await a.agent.get(`/v1/budgets/${ids.budget}`);
    expect(read.headers.get('etag')).toBe('"0"');
    const renamed = await a.agent.patch(`/v1/budgets/${ids.budget}`, { name: 'Checkout bot, monthly' }, { 'if-match': '"0"' });
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get('etag')).toBe('"1"');
    expectProblem(await a.agent.patch(`/v1/budgets/${ids.budget}`, { name: 'stale' }, { 'if-match': '"0"' }), 409, 'CONCURRENCY_CONFLICT');
    expect((await a.agent.get(`${orgPath}/budgets`)).body.data.map((x: { name: string }) => x.name)).toEqual(['Checkout bot, monthly']);

    const bad = await a.agent.post(`${orgPath}/budgets`, {
      name: 'x',
      scope: { type: 'organization', projectId: a.projectId },
      period: 'yearly',
      amount: { amount: '-1', currency: 'EUR' },
    });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['/scope/projectId', '/period', '/amount/amount', '/amount/currency']),
    );
  });

  it('alerts every channel once within 60 s of usage crossing a threshold, in the shapes Slack, Discord and webhooks document', async () => {
    const before = {
      slack: receiver.hits(paths.slack).length,
      discord: receiver.hits(paths.discord).length,
      webhook: receiver.hits(paths.webhook).length,
    };
    const sent = Date.now();
    const usage = await a.keyAgent.post('/v1/usage', { events: [usageEvent({ timestamp: new Date(Date.now() - 1_000).toISOString() })] });
    expect(usage.status).toBe(202);
    await Promise.all((['slack', 'discord', 'webhook'] as const).map((c) => receiver.waitFor(paths[c], before[c] + 1, 60_000)));
    expect(Date.now() - sent).toBeLessThan(60_000);
    // A second message would be a duplicate: give one the time to show up.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const [slack, discord, webhook] = (['slack', 'discord', 'webhook'] as const).map((c) => {
      const hits = receiver.hits(paths[c]).slice(before[c]);
      expect(hits).toHaveLength(1);
      return hits[0];
    });

    const alerts = await a.agent.get(`${orgPath}/alerts?state=firing`);
    expect(alerts.status).toBe(200);
    expect(alerts.body.data).toHaveLength(1);
    const alert = alerts.body.data[0];
    expect(alert).toMatchObject({
      kind: 'threshold',
      state: 'firing',
      budgetId: ids.budget,
      scope: { type: 'project', projectId: a.projectId },
    });
    ids.alert = alert.id;
    alertLink = alert.notification.link;
    expect(alertLink).toBe(`${APP_URL}/orgs/${a.organizationId}/alerts/${alert.id}`);

    const slackBody = JSON.parse(slack.body);
    expect(slackMessageViolations(slackBody)).toEqual([]);
    expect(slackBody.text).toContain('checkout-bot');
    expect(slackBody.blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: `Budget ${alert.notification.threshold}% reached` },
    });
    expect(slackBody.blocks.find((block: { type: string }) => block.type === 'actions').elements[0]).toMatchObject({
      type: 'button',
      url: alertLink,
    });

    const discordBody = JSON.parse(discord.body);
    expect(discordMessageViolations(discordBody)).toEqual([]);
    expect(discordBody).toMatchObject({ username: 'LLMLab', allowed_mentions: { parse: [] } });
    expect(discordBody.embeds).toHaveLength(1);
    expect(discordBody.embeds[0]).toMatchObject({
      title: `Budget ${alert.notification.threshold}% reached`,
      url: alertLink,
      footer: { text: expect.stringContaining(alert.id) },
    });

    expect(verifyWebhookSignature(signingSecret, webhook.headers, webhook.body)).toEqual({
      ok: true,
      timestamp: expect.any(Number),
      deliveryId: `${alert.id}:${ids.webhook}`,
    });
    expect(JSON.parse(webhook.body)).toEqual({
      version: 1,
      type: 'alert.threshold',
      deliveryId: `${alert.id}:${ids.webhook}`,
      alert: alert.notification,
    });
  });

  it("shows the budget's live spend, thresholds reached and period-end forecast", async () => {
    const budget = await a.agent.get(`/v1/budgets/${ids.budget}`);
    expect(budget.status).toBe(200);
    const { current } = budget.body;
    expect(new Decimal(current.spend.amount).gt(0)).toBe(true);
    expect(new Decimal(current.percentage).gte(50)).toBe(true);
    expect(current.thresholdsReached).toContain(50);
    const alert = (await a.agent.get(`/v1/alerts/${ids.alert}`)).body;
    expect(alert.notification).toMatchObject({ kind: 'threshold', threshold: String(Math.max(...current.thresholdsReached)) });
    expect(new Decimal(alert.notification.spend.amount).eq(current.spend.amount)).toBe(true);
    expect(current.forecast).toEqual({
      projected: { amount: expect.stringMatching(/^\d+(\.\d+)?$/), currency: 'USD' },
      percentage: expect.any(String),
      method: expect.stringMatching(/^(weighted-average|weekday-seasonal|period-run-rate|spend-to-date)$/),
      dailyRate: expect.any(String),
      historyDays: expect.any(Number),
      remainingDays: expect.any(String),
    });
    expect(new Decimal(current.forecast.projected.amount).gte(current.spend.amount)).toBe(true);
    expect(current.period).toMatchObject({ unit: 'monthly', timeZone: 'UTC', key: expect.stringMatching(/^monthly:\d{4}-\d{2}-01$/) });
  });

  it('records every delivery as succeeded, and takes the acknowledgement', async () => {
    const deliveries = await eventually(
      async () => {
        const res = await a.agent.get(`/v1/alerts/${ids.alert}/deliveries`);
        return res.body.data?.length === 3 && res.body.data.every((d: { state: string }) => d.state === 'delivered')
          ? res.body.data
          : undefined;
      },
      'three delivered deliveries',
      60_000,
    );
    expect(
      deliveries.map((d: { channelId: string; attempts: number; log: { outcome: string }[] }) => [
        d.channelId,
        d.attempts,
        d.log.map((l) => l.outcome),
      ]),
    ).toEqual(
      expect.arrayContaining([
        [ids.slack, 1, ['delivered']],
        [ids.discord, 1, ['delivered']],
        [ids.webhook, 1, ['delivered']],
      ]),
    );
    expect(JSON.stringify(deliveries)).not.toContain(receiver.origin);

    const acknowledged = await a.agent.post(`/v1/alerts/${ids.alert}/acknowledge`);
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ id: ids.alert, state: 'acknowledged', acknowledgedBy: `user:${a.id}` });
    expect((await a.agent.get(`${orgPath}/alerts?state=firing`)).body.data).toEqual([]);
    const range = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const listed = await a.agent.get(`${orgPath}/alerts?state=acknowledged&kind=threshold&budgetId=${ids.budget}&${range}&limit=10`);
    expect(listed.body).toMatchObject({ data: [{ id: ids.alert }], nextCursor: null });
    expectProblem(await a.agent.get(`${orgPath}/alerts?state=open&limit=0`), 400, 'VALIDATION_FAILED');
  });

  it("answers another tenant's user and API key 404 on the budget, alert and channel ids, as for ids that do not exist", async () => {
    const routes = (budget: string, alert: string, channel: string): [string, (agent: Agent) => Promise<HttpResult>][] => [
      ['BUDGET_NOT_FOUND', (x) => x.get(`/v1/budgets/${budget}`)],
      ['BUDGET_NOT_FOUND', (x) => x.patch(`/v1/budgets/${budget}`, { name: 'mine now' })],
      ['BUDGET_NOT_FOUND', (x) => x.delete(`/v1/budgets/${budget}`)],
      ['ALERT_NOT_FOUND', (x) => x.get(`/v1/alerts/${alert}`)],
      ['ALERT_NOT_FOUND', (x) => x.post(`/v1/alerts/${alert}/acknowledge`)],
      ['ALERT_NOT_FOUND', (x) => x.get(`/v1/alerts/${alert}/deliveries`)],
      ['CHANNEL_NOT_FOUND', (x) => x.delete(`/v1/channels/${channel}`)],
      ['CHANNEL_NOT_FOUND', (x) => x.post(`/v1/channels/${channel}/test`)],
    ];
    const hitsBefore = receiver.received.length;
    const theirs = routes(ids.budget, ids.alert, ids.webhook);
    const missing = routes(uuidv7(), uuidv7(), uuidv7());
    for (const agent of [b.agent, b.keyAgent]) {
      for (const [i, [code, call]] of theirs.entries()) {
        const res = await call(agent);
        expectProblem(res, 404, code);
        const absent = await missing[i][1](agent);
        expect({ ...res.body, instance: undefined, requestId: undefined }).toEqual({
          ...absent.body,
          instance: undefined,
          requestId: undefined,
        });
      }
    }
    expect(receiver.received.length).toBe(hitsBefore);
    expect((await a.agent.get(`/v1/budgets/${ids.budget}`)).body.name).toBe('Checkout bot, monthly');
    expect((await a.agent.get(`${orgPath}/channels`)).body.data).toHaveLength(3);
    expectProblem(await b.agent.get(`${orgPath}/alerts`), 404, 'ORGANIZATION_NOT_FOUND');
  });

  it('lets viewers read, members manage budgets and acknowledge, admins configure, and no API key in', async () => {
    const member = async (role: 'viewer' | 'member' | 'admin') => {
      const user = await signUp(platform.gatewayUrl);
      await joinOrganization(platform.mailbox, a.agent, a.organizationId, user, role);
      return user.agent;
    };
    const [viewer, memberAgent, admin] = [await member('viewer'), await member('member'), await member('admin')];
    const budget = { name: 'Org', scope: { type: 'organization' }, period: 'daily', amount: { amount: '100', currency: 'USD' } };
    const channel = { type: 'slack', name: 'x', config: { url: `${receiver.origin}/services/T0003/B0003/x` } };

    expect((await viewer.get(`/v1/budgets/${ids.budget}`)).status).toBe(200);
    expect((await viewer.get(`/v1/alerts/${ids.alert}/deliveries`)).status).toBe(200);
    expectProblem(await viewer.post(`${orgPath}/budgets`, budget), 403, 'FORBIDDEN');
    expectProblem(await viewer.post(`/v1/alerts/${ids.alert}/acknowledge`), 403, 'FORBIDDEN');

    const created = await memberAgent.post(`${orgPath}/budgets`, budget);
    expect(created.status).toBe(201);
    expect((await memberAgent.delete(`/v1/budgets/${created.body.id}`)).status).toBe(204);
    expect((await memberAgent.post(`/v1/alerts/${ids.alert}/acknowledge`)).body).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: `user:${a.id}`,
    });
    expectProblem(await memberAgent.get(`/v1/budgets/${created.body.id}`), 404, 'BUDGET_NOT_FOUND');
    expectProblem(await memberAgent.post(`${orgPath}/channels`, channel), 403, 'FORBIDDEN');
    expectProblem(await memberAgent.patch(`${orgPath}/alert-settings`, { timeZone: 'Europe/Paris' }), 403, 'FORBIDDEN');

    const added = await admin.post(`${orgPath}/channels`, channel);
    expect(added.status).toBe(201);
    expect((await admin.delete(`/v1/channels/${added.body.id}`)).status).toBe(204);

    expectProblem(await a.keyAgent.get(`${orgPath}/alerts`), 403, 'FORBIDDEN');
    expectProblem(await a.keyAgent.get(`/v1/budgets/${ids.budget}`), 403, 'FORBIDDEN');
  });
});
