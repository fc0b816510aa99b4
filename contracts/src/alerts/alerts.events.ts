import { streamName } from '../envelope';
import type { MoneyAmount } from '../ingestion/usage-event';
import type {
  AlertKind,
  AlertNotificationData,
  AlertResolution,
  AlertRuleSettings,
  BudgetPeriod,
  BudgetScope,
  ChannelType,
  DeliveryAttemptOutcome,
} from './alerts.messages';

/**
 * Events of the alerts service (DESIGN.md section 2). They carry ids, amounts and settings; a channel's
 * configuration (its URL and signing secret are secrets) only as `SealedChannelConfig`.
 */

/**
 * AES-256-GCM envelope encryption: the channel's own data key encrypts the configuration (bound to the channel id);
 * the data key is kept in the alerts service's key table, wrapped by the master key (`MASTER_ENCRYPTION_KEY`), so
 * a master-key rotation never has to change an event. `ciphertext` is base64url of iv (12 bytes) | tag (16 bytes)
 * | ciphertext.
 */
export interface SealedChannelConfig {
  algorithm: 'aes-256-gcm';
  /**
   * Only in channels added before the key table existed: their data key, wrapped by the master key of the time
   * (same layout). The service moves it into the key table at start; new seals never carry one.
   */
  wrappedKey?: string;
  ciphertext: string;
}

export type BudgetEvent =
  | {
      type: 'BudgetCreated';
      data: {
        budgetId: string;
        organizationId: string;
        name: string;
        scope: BudgetScope;
        period: BudgetPeriod;
        amount: MoneyAmount;
        thresholds: number[];
        timeZone: string;
        /** The proxy refuses the calls it covers once it is spent (absent in events before enforcement: false). */
        enforce?: boolean;
        createdBy: string;
        createdAt: string;
      };
    }
  | {
      type: 'BudgetUpdated';
      data: {
        budgetId: string;
        organizationId: string;
        name?: string;
        period?: BudgetPeriod;
        amount?: MoneyAmount;
        thresholds?: number[];
        timeZone?: string;
        enforce?: boolean;
        updatedBy: string;
        updatedAt: string;
      };
    }
  | { type: 'BudgetDeleted'; data: { budgetId: string; organizationId: string; deletedBy: string; deletedAt: string } };

/** The organization's alerting settings as they are after the change (the stream starts from the defaults). */
export type AlertSettingsEvent = {
  type: 'AlertSettingsUpdated';
  data: { organizationId: string; timeZone: string; rules: AlertRuleSettings; updatedBy: string; updatedAt: string };
};

export type ChannelEvent =
  | {
      type: 'ChannelAdded';
      data: {
        channelId: string;
        organizationId: string;
        type: ChannelType;
        name: string;
        /** The channel class's `describe()`: what may be shown, never a secret. */
        description: string;
        config: SealedChannelConfig;
        addedBy: string;
        addedAt: string;
      };
    }
  | { type: 'ChannelRemoved'; data: { channelId: string; organizationId: string; removedBy: string; removedAt: string } };

export type AlertEvent =
  | {
      type: 'AlertFired';
      data: {
        alertId: string;
        organizationId: string;
        kind: AlertKind;
        /**
         * What the alert is about, once: `threshold:<budgetId>:<periodKey>:<percent>`, `forecast:<budgetId>:<periodKey>`,
         * `anomaly:<scope>:<hour>`, `error_rate:<scope>:<hour>`, `trace_failures:<scope>:<hour>`, `unpriced:<day>`,
         * `reconciliation:<org>:<provider>:<day>:<direction>`, `audit_integrity:<org>:<position>:<detectedAt>`.
         * The alert id is derived from it and the stream is appended with `no_stream`, so the same alert can never
         * fire twice.
         */
        ruleKey: string;
        budgetId: string | null;
        /** The scope as budgets name it, for queries; the notification has its description. */
        scope: BudgetScope;
        /** `monthly:2025-06-01` for budget alerts, the hour or day otherwise. */
        periodKey: string;
        /** Threshold alerts: the percent crossed. */
        threshold: number | null;
        notification: AlertNotificationData;
        firedAt: string;
      };
    }
  | { type: 'AlertAcknowledged'; data: { alertId: string; organizationId: string; acknowledgedBy: string; acknowledgedAt: string } }
  | { type: 'AlertResolved'; data: { alertId: string; organizationId: string; resolution: AlertResolution; resolvedAt: string } };

interface DeliveryEventBase {
  /** `<alertId>:<channelId>`. */
  deliveryId: string;
  alertId: string;
  channelId: string;
  organizationId: string;
  attempt: number;
  httpStatus: number | null;
  /** The receiver's short answer or what failed: never the channel's URL. */
  detail: string;
  at: string;
}

export type DeliveryEvent =
  | { type: 'DeliverySucceeded'; data: DeliveryEventBase & { durationMs: number } }
  /** `retryable`: another attempt follows after `retryInMs`; `permanent`: sending again cannot help. */
  | {
      type: 'DeliveryFailed';
      data: DeliveryEventBase & {
        outcome: Extract<DeliveryAttemptOutcome, 'retryable' | 'permanent'>;
        reason: string;
        retryInMs: number | null;
      };
    }
  /** Still failing after the last attempt the retry policy allows. */
  | { type: 'DeliveryDead'; data: DeliveryEventBase & { reason: string } };

export type AlertsEvent = BudgetEvent | AlertSettingsEvent | ChannelEvent | AlertEvent | DeliveryEvent;
export type AlertsEventType = AlertsEvent['type'];

/** Stream names of the alerts aggregates (`alerts.<aggregate>-<id>`). */
export const alertsStreams = {
  budget: (budgetId: string) => streamName('alerts', 'budget', budgetId),
  settings: (organizationId: string) => streamName('alerts', 'settings', organizationId),
  channel: (channelId: string) => streamName('alerts', 'channel', channelId),
  alert: (alertId: string) => streamName('alerts', 'alert', alertId),
  delivery: (deliveryId: string) => streamName('alerts', 'delivery', deliveryId),
};

/** The idempotency key of one alert's delivery through one channel (`X-LLMLab-Delivery` for webhooks). */
export function deliveryId(alertId: string, channelId: string): string {
  return `${alertId}:${channelId}`;
}
