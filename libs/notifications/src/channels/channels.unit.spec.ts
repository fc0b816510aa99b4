import { describeAlert } from '../alert-message';
import type { AlertNotification } from '../alert-notification';
import { OutboundClient } from '../outbound/outbound-client';
import { createOutboundPolicy } from '../outbound/outbound-policy';
import { verifyWebhookSignature } from '../webhook-signature';
import { BUILT_IN_CHANNELS, ChannelRegistry, createChannelRegistry } from './channel.registry';
import { discordMessageViolations, sampleAlerts, slackMessageViolations } from '../testing/channel-fixtures';
import { DiscordChannel } from './discord.channel';
import { ConfigReader, HttpNotificationChannel, type NotificationChannel, type UrlConfig } from './notification-channel';
import { SlackChannel } from './slack.channel';
import { WebhookChannel, type WebhookPayload } from './webhook.channel';

const client = new OutboundClient(
  createOutboundPolicy({
    resolve: async (host) => {
      if (host === 'internal.example.com') return [{ address: '10.0.0.7', family: 4 }];
      return [{ address: '93.184.216.34', family: 4 }];
    },
  }),
);
const context = { idempotencyKey: 'alr_0192f3a1:chn_7', attempt: 1, now: new Date('2025-06-18T09:15:02Z') };
const slackUrl = 'https://hooks.slack.com/services/T0001/B0001/abcdefSECRET';
const discordUrl = 'https://discord.com/api/webhooks/112233445566/tok-SECRET_xyz';
const [threshold] = sampleAlerts();
const integrity = sampleAlerts().find((a) => a.kind === 'audit_integrity') as AlertNotification;
/** What an attacker's edited event could hold, had the rendering ever reached for the event itself. */
const EVENT_CONTENT = ['ApiKeyCreated', 'UsageRecorded', 'prompt', 'email', '"data"', '"metadata"'];

function hostile(alert: AlertNotification, text: string): AlertNotification {
  return { ...alert, scope: { ...alert.scope, description: text }, organization: { id: 'org_1', name: text } };
}

describe('SlackChannel', () => {
  const slack = new SlackChannel(client);
  const render = (alert: AlertNotification) => JSON.parse(slack.render(alert, { url: slackUrl }).body);

  it.each(sampleAlerts().map((a) => [a.kind, a] as const))('renders a %s alert as a documented Block Kit message', (_kind, alert) => {
    expect(slackMessageViolations(render(alert))).toEqual([]);
  });

  it('says how many traces failed, with which flags, and which traces to open first', () => {
    const alert = sampleAlerts().find((a) => a.kind === 'trace_failures');
    const message = render(alert as AlertNotification);
    expect(message.text).toBe('Failing traces: 14 of 40 traces of project checkout-bot were flagged (35%): tool loop 9, error 6.');
    expect(message.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual(
      expect.arrayContaining([
        '*Flagged*\n14 of 40 (35%)',
        '*Flags*\ntool loop 9, error 6',
        '*Traces to open*\n4bf92f3577b34da6a3ce929d0e0e4736, 0af7651916cd43dd8448eb211c80319c',
      ]),
    );
  });

  it('names the position and the check that failed of a tampered audit log, and nothing of the event', () => {
    const message = render(integrity);
    expect(message.blocks[0].text.text).toBe('Audit log tampering detected');
    expect(message.text).toBe(
      "Audit log tampering detected: LLMLab's audit verification found the event store changed at position 1042: an event " +
        'already in the audit tree was rewritten. No tree head is signed until an operator has restored the store and closed the incident.',
    );
    expect(message.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual([
      '*Position*\n1042',
      '*Check failed*\nanchor_changed',
      '*Detected*\n2025-06-18 09:14 UTC',
      '*Finding*\nevent 1042 is no longer the event the audit tree recorded: the store was rewritten from there on',
      '*Organization*\nAcme',
    ]);
    for (const content of EVENT_CONTENT) expect(JSON.stringify(message)).not.toContain(content);
  });

  it('carries amount, budget, percentage, scope and a link, with a plain-text fallback', () => {
    const message = render(threshold);
    expect(message.text).toBe('Budget 80% reached: project checkout-bot has spent 812.40 USD of its 1,000.00 USD monthly budget (81.2%).');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Budget 80% reached', emoji: true } });
    expect(message.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual([
      '*Spend*\n812.40 USD',
      '*Budget*\n1,000.00 USD',
      '*Used*\n81.2%',
      '*Scope*\nproject checkout-bot',
      '*Period*\n2025-06-01 – 2025-06-30 (monthly, Europe/Paris)',
      '*Organization*\nAcme',
    ]);
    expect(message.blocks[3]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open in LLMLab' },
          url: threshold.link,
          action_id: 'llmlab_open_alert',
        },
      ],
    });
    expect(message.blocks[4].elements[0].text).toBe(
      'LLMLab alert `alr_0192f3a1` · <!date^1750238100^{date_short_pretty} {time}|2025-06-18T09:15:00.000Z>',
    );
  });

  it('posts JSON to the configured URL', () => {
    const request = slack.render(threshold, { url: slackUrl });
    expect(request.url).toBe(slackUrl);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('escapes user text so it cannot mention @channel or forge a link', () => {
    const message = render(hostile(threshold, '<!channel> & <https://evil.example|click here>'));
    const all = JSON.stringify(message.blocks.slice(1));
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    expect(message.blocks[1].text.text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;');
  });

  it('stays within every limit when user text is huge', () => {
    const message = render(hostile(threshold, 'x'.repeat(20_000)));
    expect(slackMessageViolations(message)).toEqual([]);
  });

  it('accepts only a URL object, and only official Slack webhook URLs', async () => {
    expect(await slack.validateConfig({ url: slackUrl })).toEqual({ ok: true, config: { url: slackUrl } });
    expect(await slack.validateConfig({ url: 'https://hooks.example.com/services/a/b/c' })).toEqual({
      ok: false,
      errors: [{ field: '/url', message: 'the URL must be a Slack incoming-webhook URL (https://hooks.slack.com/services/…)' }],
    });
    expect(await slack.validateConfig('https://hooks.slack.com/')).toEqual({
      ok: false,
      errors: [
        { field: '/', message: 'must be an object' },
        { field: '/url', message: 'is required and must be a string' },
      ],
    });
  });

  it('describes a channel without its secret', () => {
    expect(slack.describe({ url: slackUrl })).toBe('Slack webhook https://hooks.slack.com/services/T0001/…');
  });
});

describe('DiscordChannel', () => {
  const discord = new DiscordChannel(client);
  const render = (alert: AlertNotification) => JSON.parse(discord.render(alert, { url: discordUrl }).body);

  it.each(sampleAlerts().map((a) => [a.kind, a] as const))('renders a %s alert as a documented embed', (_kind, alert) => {
    expect(discordMessageViolations(render(alert))).toEqual([]);
  });

  it('sends one embed with title, description, fields, colour and timestamp, and pings nobody', () => {
    const message = render(threshold);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.embeds).toHaveLength(1);
    const [embed] = message.embeds;
    expect(embed).toMatchObject({
      title: 'Budget 80% reached',
      description: 'project checkout-bot has spent 812.40 USD of its 1,000.00 USD monthly budget (81.2%).',
      url: threshold.link,
      color: 0xf39c12,
      timestamp: '2025-06-18T09:15:00.000Z',
      footer: { text: 'LLMLab alert alr_0192f3a1' },
    });
    expect(embed.fields.slice(0, 3)).toEqual([
      { name: 'Spend', value: '812.40 USD', inline: true },
      { name: 'Budget', value: '1,000.00 USD', inline: true },
      { name: 'Used', value: '81.2%', inline: true },
    ]);
  });

  it('sends a tampered audit log as a critical embed naming the position and the failed check', () => {
    const message = render(integrity);
    const [embed] = message.embeds;
    expect(embed).toMatchObject({ title: 'Audit log tampering detected', url: integrity.link, color: 0xe74c3c });
    expect(embed.description).toContain('changed at position 1042: an event already in the audit tree was rewritten.');
    expect(embed.fields.slice(0, 3)).toEqual([
      { name: 'Position', value: '1042', inline: true },
      { name: 'Check failed', value: 'anchor\\_changed', inline: true },
      { name: 'Detected', value: '2025-06-18 09:14 UTC', inline: true },
    ]);
    for (const content of EVENT_CONTENT) expect(JSON.stringify(message)).not.toContain(content);
  });

  it('escapes markdown and masked links in user text', () => {
    const [embed] = render(hostile(threshold, '# **urgent** [pay here](https://evil.example) <@&123> @everyone')).embeds;
    expect(embed.description).toContain('\\# \\*\\*urgent\\*\\* \\[pay here\\](https://evil.example) \\<@&123\\>');
  });

  it('stays within every embed limit, 6000 characters in all, when user text is huge', () => {
    for (const alert of sampleAlerts()) {
      const message = render(hostile(alert, 'y'.repeat(50_000)));
      expect(discordMessageViolations(message)).toEqual([]);
      expect(message.embeds[0].description.length).toBeGreaterThan(100);
    }
  });

  it('accepts discord.com and discordapp.com webhook URLs only', async () => {
    expect((await discord.validateConfig({ url: discordUrl })).ok).toBe(true);
    expect((await discord.validateConfig({ url: 'https://discordapp.com/api/webhooks/1/t' })).ok).toBe(true);
    expect((await discord.validateConfig({ url: 'https://discord.com/channels/1/2' })).ok).toBe(false);
  });

  it('describes a channel without its token', () => {
    expect(discord.describe({ url: discordUrl })).toBe('Discord webhook https://discord.com/api/webhooks/112233445566/…');
  });
});

describe('WebhookChannel', () => {
  const webhook = new WebhookChannel(client);
  const config = { url: 'https://hooks.example.com/llmlab', secret: 'whsec_test_0123456789abcdefghij' };

  it('sends the alert as JSON with a delivery id that survives retries', () => {
    const first = webhook.render(threshold, config, context);
    const retry = webhook.render(threshold, config, { ...context, attempt: 2, now: new Date('2025-06-18T09:16:00Z') });
    const payload = JSON.parse(first.body) as WebhookPayload;
    expect(payload).toEqual({ version: 1, type: 'alert.threshold', deliveryId: context.idempotencyKey, alert: threshold });
    expect(first.headers['x-llmlab-delivery']).toBe(context.idempotencyKey);
    expect(retry.headers['x-llmlab-delivery']).toBe(context.idempotencyKey);
    expect(retry.body).toBe(first.body);
    expect(first.headers['x-llmlab-timestamp']).toBe('1750238102');
    expect(first.headers['x-llmlab-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('sends a tampered audit log as alert.audit_integrity: the position, the check, the finding and when, nothing else', () => {
    const payload = JSON.parse(webhook.render(integrity, config, context).body) as WebhookPayload;
    expect(payload.type).toBe('alert.audit_integrity');
    expect(payload.alert).toMatchObject({ kind: 'audit_integrity', position: 1042, reason: 'anchor_changed' });
    expect(Object.keys(payload.alert).sort()).toEqual(
      ['alertId', 'organization', 'scope', 'period', 'link', 'firedAt', 'kind', 'position', 'reason', 'detail', 'detectedAt'].sort(),
    );
    for (const content of EVENT_CONTENT) expect(JSON.stringify(payload)).not.toContain(content);
  });

  it('signs so that verifyWebhookSignature accepts it, and only it', () => {
    const request = webhook.render(threshold, config, context);
    const now = context.now.getTime();
    expect(verifyWebhookSignature(config.secret, request.headers, request.body, 300, now)).toEqual({
      ok: true,
      timestamp: 1750238102,
      deliveryId: context.idempotencyKey,
    });
    expect(verifyWebhookSignature('whsec_another_secret_0123456789', request.headers, request.body, 300, now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('needs a URL and a secret of at least 24 characters', async () => {
    expect(await webhook.validateConfig({ url: config.url, secret: 'short' })).toEqual({
      ok: false,
      errors: [{ field: '/secret', message: 'must be 24 to 256 characters long' }],
    });
    expect(await webhook.validateConfig({ url: 'https://internal.example.com/x', secret: config.secret })).toEqual({
      ok: false,
      errors: [
        {
          field: '/url',
          message: 'internal.example.com resolves to 10.0.0.7, which is a private address; only public addresses may be called',
        },
      ],
    });
    expect(await webhook.validateConfig(config)).toEqual({ ok: true, config });
  });

  it('describes a channel without its path or secret', () => {
    expect(webhook.describe({ ...config, url: 'https://hooks.example.com/llmlab/secret-path' })).toBe(
      'webhook https://hooks.example.com/llmlab/…',
    );
  });
});

describe('ChannelRegistry', () => {
  it('holds the built-in channels by type', () => {
    const registry = createChannelRegistry(client);
    expect(registry.types()).toEqual(['slack', 'discord', 'webhook']);
    expect(registry.get('slack')).toBeInstanceOf(SlackChannel);
    expect(registry.get('pager')).toBeUndefined();
  });

  it('takes a new channel as one more class', () => {
    class TeamsChannel extends HttpNotificationChannel<UrlConfig> {
      readonly type = 'teams';
      protected readonly destination = undefined;
      parseConfig(config: unknown) {
        const reader = new ConfigReader(config);
        return reader.result({ url: reader.string('url') });
      }
      describe() {
        return 'Teams';
      }
      render(alert: AlertNotification, config: UrlConfig) {
        const message = describeAlert(alert);
        return { url: config.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: message.summary }) };
      }
    }
    const registry = createChannelRegistry(client, [...BUILT_IN_CHANNELS, TeamsChannel]);
    expect(registry.types()).toEqual(['slack', 'discord', 'webhook', 'teams']);
    expect(JSON.parse(registry.get('teams')!.render(threshold, { url: 'https://x.example/' }, context).body).text).toContain(
      'checkout-bot',
    );
  });

  it('refuses two channels with one type', () => {
    const channels: NotificationChannel[] = [new SlackChannel(client), new SlackChannel(client)];
    expect(() => new ChannelRegistry(channels)).toThrow('two channels claim the type "slack"');
  });
});
