import type { AlertNotification } from '../alert-notification';
import type { OutboundClient, OutboundRequest, OutboundResult } from '../outbound/outbound-client';
import type { DestinationRule } from '../outbound/url-check';
import type { FieldError } from '@llmlab/domain';

export type ConfigValidation<TConfig> = { ok: true; config: TConfig } | { ok: false; errors: FieldError[] };

export interface RenderContext {
  /** Stable per alert and channel: every attempt of one delivery carries the same key. */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  now: Date;
}

export type RenderedRequest = OutboundRequest;

/**
 * A way of telling someone about an alert. One class per channel type, registered once in `BUILT_IN_CHANNELS`
 * (`channel.registry.ts`); docs/alerting.md walks through adding one.
 */
export interface NotificationChannel<TConfig = unknown> {
  /** Stored with the channel and used in the API: `slack`, `discord`, `webhook`. */
  readonly type: string;
  /** Shape only, no I/O: for configuration loaded back from storage before a delivery. */
  parseConfig(config: unknown): ConfigValidation<TConfig>;
  /** Shape plus the destination check with DNS (SSRF rules): when a channel is registered or changed. */
  validateConfig(config: unknown): Promise<ConfigValidation<TConfig>>;
  /** What the API may show of a configuration: never a secret, and webhook URLs are secrets. */
  describe(config: TConfig): string;
  /** Pure: the same alert, configuration and context give the same request. */
  render(alert: AlertNotification, config: TConfig, context: RenderContext): RenderedRequest;
  /** One attempt through the SSRF-safe client; classification is `deliver`'s job. */
  send(request: RenderedRequest): Promise<OutboundResult>;
}

export interface UrlConfig {
  url: string;
}

/**
 * The part every HTTP channel shares: its URL is checked against the SSRF rules and its own official hosts on
 * registration and again, by the client, before every request.
 */
export abstract class HttpNotificationChannel<TConfig extends UrlConfig> implements NotificationChannel<TConfig> {
  abstract readonly type: string;
  /** Official hosts and paths of the service behind the channel; `undefined` for arbitrary endpoints. */
  protected abstract readonly destination: DestinationRule | undefined;

  constructor(protected readonly client: OutboundClient) {}

  abstract parseConfig(config: unknown): ConfigValidation<TConfig>;
  abstract describe(config: TConfig): string;
  abstract render(alert: AlertNotification, config: TConfig, context: RenderContext): RenderedRequest;

  async validateConfig(config: unknown): Promise<ConfigValidation<TConfig>> {
    const parsed = this.parseConfig(config);
    if (!parsed.ok) return parsed;
    const check = await this.client.checkUrl(parsed.config.url, this.destination);
    return check.ok ? parsed : { ok: false, errors: [{ field: '/url', message: check.message }] };
  }

  send(request: RenderedRequest): Promise<OutboundResult> {
    return this.client.post(request, this.destination);
  }
}

/** Reads a configuration object field by field, collecting every problem rather than stopping at the first. */
export class ConfigReader {
  readonly errors: FieldError[] = [];
  private readonly record: Record<string, unknown>;

  constructor(config: unknown) {
    const isObject = typeof config === 'object' && config !== null && !Array.isArray(config);
    this.record = isObject ? (config as Record<string, unknown>) : {};
    if (!isObject) this.errors.push({ field: '/', message: 'must be an object' });
  }

  string(name: string, { min = 1, max = 2048 }: { min?: number; max?: number } = {}): string {
    const value = this.record[name];
    if (typeof value !== 'string') {
      this.errors.push({ field: `/${name}`, message: 'is required and must be a string' });
      return '';
    }
    if (value.length < min || value.length > max) {
      this.errors.push({ field: `/${name}`, message: `must be ${min} to ${max} characters long` });
    }
    return value;
  }

  result<T>(config: T): ConfigValidation<T> {
    return this.errors.length ? { ok: false, errors: this.errors } : { ok: true, config };
  }
}

/** Cuts text to at most `max` UTF-16 units (what Slack and Discord count), never inside a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + '…';
}

/** The first segments of a URL path, the rest elided: enough to recognise a webhook, not to use it. */
export function describeUrl(url: string, keepSegments: number): string {
  try {
    const parsed = new URL(url);
    const segments = parsed.pathname.split('/').filter(Boolean);
    const shown = segments.slice(0, keepSegments).join('/');
    return `${parsed.protocol}//${parsed.host}/${shown}${segments.length > keepSegments ? '/…' : ''}`;
  } catch {
    return 'an invalid URL';
  }
}
