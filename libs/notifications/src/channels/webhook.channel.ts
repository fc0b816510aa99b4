import type { AlertNotification } from '../alert-notification';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '../webhook-signature';
import {
  ConfigReader,
  describeUrl,
  HttpNotificationChannel,
  type ConfigValidation,
  type RenderContext,
  type RenderedRequest,
  type UrlConfig,
} from './notification-channel';

export interface WebhookConfig extends UrlConfig {
  /** HMAC key; `generateWebhookSecret()` makes one. Shown once, stored encrypted, never returned. */
  secret: string;
}

export const WEBHOOK_PAYLOAD_VERSION = 1;

/** The JSON body a webhook receiver gets. */
export interface WebhookPayload {
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  /**
   * `alert.threshold`, `alert.forecast`, `alert.anomaly`, `alert.error_rate`, `alert.trace_failures`, `alert.unpriced`,
   * `alert.reconciliation`, `alert.audit_integrity`.
   */
  type: `alert.${AlertNotification['kind']}`;
  /** Same as the `X-LLMLab-Delivery` header, and the same on every retry: receivers deduplicate on it. */
  deliveryId: string;
  alert: AlertNotification;
}

/**
 * Any HTTPS endpoint of the customer's: the alert as JSON, signed (`X-LLMLab-Signature`, `X-LLMLab-Timestamp`)
 * and carrying an idempotency key (`X-LLMLab-Delivery`). Any 2xx is a success.
 */
export class WebhookChannel extends HttpNotificationChannel<WebhookConfig> {
  readonly type = 'webhook';
  protected readonly destination = undefined;

  parseConfig(config: unknown): ConfigValidation<WebhookConfig> {
    const reader = new ConfigReader(config);
    const url = reader.string('url');
    const secret = reader.string('secret', { min: 24, max: 256 });
    return reader.result({ url, secret });
  }

  describe(config: WebhookConfig): string {
    return `webhook ${describeUrl(config.url, 1)}`;
  }

  render(alert: AlertNotification, config: WebhookConfig, context: RenderContext): RenderedRequest {
    const payload: WebhookPayload = {
      version: WEBHOOK_PAYLOAD_VERSION,
      type: `alert.${alert.kind}`,
      deliveryId: context.idempotencyKey,
      alert,
    };
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(context.now.getTime() / 1000);
    return {
      url: config.url,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'LLMLab-Webhooks/1',
        [DELIVERY_HEADER]: context.idempotencyKey,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body),
        'x-llmlab-attempt': String(context.attempt),
      },
      body,
    };
  }
}
