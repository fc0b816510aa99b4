import { describeAlert } from '../alert-message';
import type { AlertNotification } from '../alert-notification';
import type { DestinationRule } from '../outbound/url-check';
import {
  ConfigReader,
  describeUrl,
  HttpNotificationChannel,
  truncate,
  type ConfigValidation,
  type RenderedRequest,
  type UrlConfig,
} from './notification-channel';

export type SlackConfig = UrlConfig;

/** Block Kit limits (docs.slack.dev/reference/block-kit): the message is cut to fit rather than refused. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  contextElements: 10,
  /** Slack accepts far more top-level text; this keeps the notification fallback readable. */
  fallbackText: 3000,
} as const;

const SLACK_DESTINATION: DestinationRule = {
  hosts: ['hooks.slack.com'],
  path: /^\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/,
  description: 'a Slack incoming-webhook URL (https://hooks.slack.com/services/…)',
};

/** Slack's mrkdwn reserves exactly these three; escaping them also defuses `<!channel>` and `<url|label>`. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack incoming webhooks (docs.slack.dev/messaging/sending-messages-using-incoming-webhooks): a JSON POST with
 * Block Kit `blocks` and a top-level `text`, which Slack shows in notifications and to screen readers. Slack
 * answers 200 `ok`, 400 `invalid_payload`, 403/404/410 for a revoked or archived destination, 429 with
 * `Retry-After` when rate limited.
 */
export class SlackChannel extends HttpNotificationChannel<SlackConfig> {
  readonly type = 'slack';
  protected readonly destination = SLACK_DESTINATION;

  parseConfig(config: unknown): ConfigValidation<SlackConfig> {
    const reader = new ConfigReader(config);
    const url = reader.string('url');
    return reader.result({ url });
  }

  describe(config: SlackConfig): string {
    return `Slack webhook ${describeUrl(config.url, 2)}`;
  }

  render(alert: AlertNotification, config: SlackConfig): RenderedRequest {
    const message = describeAlert(alert);
    const firedAt = Math.floor(Date.parse(alert.firedAt) / 1000);
    const blocks: unknown[] = [
      { type: 'header', text: { type: 'plain_text', text: truncate(message.title, SLACK_LIMITS.headerText), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(message.summary), SLACK_LIMITS.sectionText) } },
      {
        type: 'section',
        fields: message.facts.slice(0, SLACK_LIMITS.sectionFields).map((fact) => ({
          type: 'mrkdwn',
          text: truncate(`*${escapeMrkdwn(fact.label)}*\n${escapeMrkdwn(fact.value)}`, SLACK_LIMITS.fieldText),
        })),
      },
    ];
    if (/^https?:\/\//.test(alert.link) && alert.link.length <= SLACK_LIMITS.buttonUrl) {
      blocks.push({
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open in LLMLab' },
            url: alert.link,
            action_id: 'llmlab_open_alert',
          },
        ],
      });
    }
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          // Slack prints the date in each reader's own time zone; the part after `|` is for old clients.
          text: `LLMLab alert \`${escapeMrkdwn(alert.alertId)}\` · <!date^${firedAt}^{date_short_pretty} {time}|${alert.firedAt}>`,
        },
      ],
    });
    const body = {
      text: truncate(`${message.title}: ${message.summary}`, SLACK_LIMITS.fallbackText),
      blocks,
    };
    return {
      url: config.url,
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'LLMLab-Notifications/1' },
      body: JSON.stringify(body),
    };
  }
}
