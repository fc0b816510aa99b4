import { describeAlert, type AlertSeverity } from '../alert-message';
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

export type DiscordConfig = UrlConfig;

/** Embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  /** Title, description, field names and values, footer text and author name of all embeds together. */
  total: 6000,
} as const;

const DISCORD_DESTINATION: DestinationRule = {
  hosts: ['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com'],
  path: /^\/api(\/v\d+)?\/webhooks\/\d+\/[A-Za-z0-9_-]+\/?$/,
  description: 'a Discord webhook URL (https://discord.com/api/webhooks/…)',
};

const COLORS: Record<AlertSeverity, number> = { info: 0x3498db, warning: 0xf39c12, critical: 0xe74c3c };

/**
 * Neutralises Discord markdown in text that came from users (scope names, org names): emphasis, code, spoilers,
 * masked links (`[text](url)` needs its brackets), mentions and timestamps (`<@id>`, `<t:…>`) anywhere, headings,
 * quotes and lists at the start of a line.
 */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|[\]<>]/g, '\\$&').replace(/^(\s*)([#>-])/gm, '$1\\$2');
}

interface EmbedField {
  name: string;
  value: string;
  inline: boolean;
}

/** The largest cap such that lengths, each cut to it, add up to at most `budget`. */
function waterLevel(lengths: number[], budget: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  let remaining = budget;
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(remaining / (sorted.length - i));
    if (sorted[i] > share) return Math.max(2, share);
    remaining -= sorted[i];
  }
  return Number.MAX_SAFE_INTEGER;
}

/**
 * Discord webhooks (discord.com/developers/docs/resources/webhook#execute-webhook): a JSON POST with up to ten
 * `embeds`; we send one. Discord answers 204 (no `?wait=true`), 400 with a JSON error for an invalid body,
 * 404 for a deleted webhook, 429 with `Retry-After` and a JSON `retry_after` in seconds.
 */
export class DiscordChannel extends HttpNotificationChannel<DiscordConfig> {
  readonly type = 'discord';
  protected readonly destination = DISCORD_DESTINATION;

  parseConfig(config: unknown): ConfigValidation<DiscordConfig> {
    const reader = new ConfigReader(config);
    const url = reader.string('url');
    return reader.result({ url });
  }

  describe(config: DiscordConfig): string {
    return `Discord webhook ${describeUrl(config.url, 3)}`;
  }

  render(alert: AlertNotification, config: DiscordConfig): RenderedRequest {
    const message = describeAlert(alert);
    const title = truncate(message.title, DISCORD_LIMITS.title);
    const footer = truncate(`LLMLab alert ${alert.alertId}`, 200);
    const facts = message.facts.slice(0, DISCORD_LIMITS.fields).map((fact) => ({
      name: truncate(fact.label, DISCORD_LIMITS.fieldName),
      value: truncate(escapeMarkdown(fact.value) || '—', DISCORD_LIMITS.fieldValue),
      inline: !fact.wide,
    }));
    const fixed = title.length + footer.length + facts.reduce((n, f) => n + f.name.length, 0);
    // Long user-supplied names (a scope, an organization) could push the embed past the total; the summary keeps
    // at least a sentence's room and the field values share the rest, longest cut first.
    const minDescription = Math.min(200, escapeMarkdown(message.summary).length);
    const cap = waterLevel(
      facts.map((f) => f.value.length),
      DISCORD_LIMITS.total - fixed - minDescription,
    );
    const fields: EmbedField[] = facts.map((f) => ({ ...f, value: truncate(f.value, cap) }));
    const used = fixed + fields.reduce((n, f) => n + f.value.length, 0);
    const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - used);
    const description = truncate(escapeMarkdown(message.summary), room);
    const embed = {
      title,
      description,
      ...(/^https?:\/\//.test(alert.link) ? { url: alert.link } : {}),
      color: COLORS[message.severity],
      timestamp: new Date(alert.firedAt).toISOString(),
      fields,
      footer: { text: footer },
    };
    const body = {
      username: 'LLMLab',
      embeds: [embed],
      // Embeds never ping, but a mention parsed anywhere else would: nothing we send may ping anyone.
      allowed_mentions: { parse: [] },
    };
    return {
      url: config.url,
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'LLMLab-Notifications/1' },
      body: JSON.stringify(body),
    };
  }
}
