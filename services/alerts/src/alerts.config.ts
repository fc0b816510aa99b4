import { z } from '@llmlab/config';
import { trustedOriginsEnv } from '@llmlab/notifications';
import type { DomainServiceConfig } from '@llmlab/service-kit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The alerts service's own environment, validated with the common variables at start. */
export const alertsEnv = {
  /**
   * 32 bytes, base64: wraps the data keys of channel configurations (`alerts.channel_keys`). Required in
   * production; in development and tests one is generated once into `.llmlab/master.key` (shared with the auth
   * service) when it is unset.
   */
  MASTER_ENCRYPTION_KEY: z.string().optional(),
  /** The master key being retired during a rotation: still unwraps, never wraps (`npm run keys:rotate`). */
  MASTER_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  /**
   * Origins exempt from the outbound SSRF address, scheme and official-host rules (docs/alerting.md): local
   * receivers in tests, a Slack-compatible Mattermost or an internal relay on premises. Empty by default.
   */
  ALERTS_TRUSTED_ORIGINS: trustedOriginsEnv,
  /** Where alerts are shown in LLMLab: the base of the link every notification carries. */
  ALERTS_APP_URL: z.string().url().default('http://localhost:3000'),
  /** The periodic evaluation (forecast, anomaly, resolution, and a second look at everything else). */
  ALERTS_EVALUATION_INTERVAL_MS: positiveInt(30_000),
  /** How long applied usage waits to be evaluated, so a burst of batches is evaluated once. */
  ALERTS_EVALUATION_DEBOUNCE_MS: positiveInt(1_000),
  /** JetStream redelivers a delivery job not settled within this time (a process that died mid-send). */
  ALERTS_DELIVERY_ACK_WAIT_MS: positiveInt(30_000),
  ALERTS_DELIVERY_CONCURRENCY: positiveInt(8),
  /** Attempts of one delivery, the first included, before it is dead. */
  ALERTS_DELIVERY_MAX_ATTEMPTS: positiveInt(12),
  /** First retry delay; doubling, with full jitter, up to 15 minutes. */
  ALERTS_DELIVERY_BASE_DELAY_MS: positiveInt(2_000),
  /** One bound for an outbound request: resolution, connect, TLS, sending and reading the answer. */
  ALERTS_OUTBOUND_TIMEOUT_MS: positiveInt(10_000),
  /** How long a command waits for its events to reach the read models before answering anyway. */
  ALERTS_READ_YOUR_WRITES_TIMEOUT_MS: positiveInt(5_000),
  /**
   * Days the service remembers which usage event ids it counted. More than the 35 days an event may be old when
   * the gateway accepts it, so a repeated id always finds the first one's claim.
   */
  ALERTS_USAGE_DEDUP_DAYS: z.coerce.number().int().min(36).default(40),
  /** Days of hourly aggregates kept: a month-long period plus 28 days of forecast history. */
  ALERTS_AGGREGATE_RETENTION_DAYS: z.coerce.number().int().min(62).default(70),
};

type AlertsEnv = { [K in keyof typeof alertsEnv]: z.infer<(typeof alertsEnv)[K]> };
/** The alerts service's configuration, injected as `SERVICE_CONFIG` (validated against `alertsEnv` at start). */
export type AlertsConfig = DomainServiceConfig & AlertsEnv;
