export type {
  AlertKind,
  AlertNotification,
  AlertPeriod,
  AlertScope,
  AnomalyAlert,
  AuditIntegrityAlert,
  AuditIntegrityReason,
  ErrorRateAlert,
  ForecastAlert,
  Money,
  ThresholdAlert,
  UnpricedAlert,
  ReconciliationAlert,
} from './alert-notification';
export { describeAlert, formatMoney, formatPercent, formatPeriod, type AlertMessage, type AlertSeverity } from './alert-message';
export { classifyAddress, type AddressClass, type AddressVerdict } from './outbound/ip-address';
export {
  createOutboundPolicy,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  systemResolver,
  type HostResolver,
  type OutboundPolicy,
  type OutboundPolicyOptions,
  type ResolvedAddress,
} from './outbound/outbound-policy';
export { trustedOriginsEnv } from './outbound/trusted-origins';
export { checkUrl, MAX_URL_LENGTH, type DestinationRule, type UrlCheckResult, type UrlRefusalReason } from './outbound/url-check';
export { OutboundClient, pinnedLookup, type OutboundRequest, type OutboundResponse, type OutboundResult } from './outbound/outbound-client';
export {
  ConfigReader,
  HttpNotificationChannel,
  truncate,
  describeUrl,
  type ConfigValidation,
  type NotificationChannel,
  type RenderContext,
  type RenderedRequest,
  type UrlConfig,
} from './channels/notification-channel';
export { SlackChannel, SLACK_LIMITS, type SlackConfig } from './channels/slack.channel';
export { DiscordChannel, DISCORD_LIMITS, type DiscordConfig } from './channels/discord.channel';
export { WebhookChannel, WEBHOOK_PAYLOAD_VERSION, type WebhookConfig, type WebhookPayload } from './channels/webhook.channel';
export { BUILT_IN_CHANNELS, ChannelRegistry, createChannelRegistry, type ChannelClass } from './channels/channel.registry';
export {
  DEFAULT_TOLERANCE_SECONDS,
  DELIVERY_HEADER,
  generateWebhookSecret,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type WebhookHeaders,
  type WebhookVerification,
} from './webhook-signature';
export {
  deliver,
  type DeliveryOptions,
  type DeliveryResult,
  type DeliveryTarget,
  type PermanentReason,
  type RetryableReason,
} from './delivery/deliver';
export { DEFAULT_RETRY_POLICY, nextRetryDelay, parseRetryAfter, retryAfterFrom, type RetryPolicy } from './delivery/retry.policy';
