import type { MoneyAmount } from '../ingestion/usage-event';
import type { ReconciliationDiscrepancy } from '../provider-sync/reconciliation.events';
import type { TraceFlagType } from '../ingestion/traces';
import type { AuditIntegrityViolatedData } from '../audit/audit.events';

/**
 * Requests and replies of the alerts subjects. The tenant is the organization of the request context, which the
 * gateway has authorized: every query and command is scoped by it, and a budget, alert or channel of another
 * organization answers "not found". Instants are RFC 3339 strings (UTC), amounts decimal strings with a currency,
 * percentages decimal strings (`"81.24"`) or, where they are settings, plain numbers.
 */

export const BUDGET_PERIODS = ['daily', 'weekly', 'monthly'] as const;
/** A budget's period, on the calendar of the budget's time zone (weeks start on Monday). */
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** What a budget counts: the whole organization, one project, the records with one tag value, or one end user. */
export type BudgetScope =
  | { type: 'organization' }
  | { type: 'project'; projectId: string }
  | { type: 'tag'; key: string; value: string }
  /**
   * The `userId` the usage events carry: the customer's own (pseudonymous) id of its end user. `endUser` is the
   * ledgers' keyed pseudonym of it (ingestion/end-users.ts), which the alerts service keys the budget by; it is
   * set by the service, never by a caller, and views leave it out.
   */
  | { type: 'end_user'; userId: string; endUser?: string };

export type BudgetScopeType = BudgetScope['type'];

/** Percentages of the amount at which a budget alerts, when the request names none. */
export const DEFAULT_BUDGET_THRESHOLDS: readonly number[] = [50, 80, 100];

export const BUDGET_LIMITS = {
  maxNameLength: 100,
  /** Thresholds are whole percents from 1 to 1,000 (a budget may alert at twice its amount). */
  maxThresholds: 10,
  maxThresholdPercent: 1000,
  maxBudgetsPerOrganization: 500,
  /** The usage ingest's own limits for what a scope can name. */
  maxTagKeyLength: 64,
  maxTagValueLength: 256,
  maxUserIdLength: 256,
  /** Digits of an amount: 16 before the point, 12 after, as a cost a caller gives. */
  maxAmountIntegerDigits: 16,
  maxAmountFractionDigits: 12,
} as const;

export interface CreateBudgetRequest {
  name: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  /** Positive; `USD`, the currency usage is accounted in. */
  amount: MoneyAmount;
  /** Whole percents, 1 to 1,000, at most 10; `DEFAULT_BUDGET_THRESHOLDS` when absent. */
  thresholds?: number[];
  /** IANA zone whose calendar the periods follow; the organization's alert settings' zone when absent. */
  timeZone?: string;
  /**
   * The proxy refuses the calls the budget covers once its period's spend reaches the amount (429); false when absent.
   * Organization, project and tag budgets only.
   */
  enforce?: boolean;
}

export interface BudgetRef {
  budgetId: string;
}

/** The scope cannot change: a budget for another scope is another budget. */
export interface UpdateBudgetRequest extends BudgetRef {
  name?: string;
  period?: BudgetPeriod;
  amount?: MoneyAmount;
  thresholds?: number[];
  timeZone?: string;
  enforce?: boolean;
  /** From If-Match: apply only at this revision (409 otherwise). */
  expectedRevision?: number;
}

export interface BudgetPeriodView {
  unit: BudgetPeriod;
  /** `[start, end)`. */
  start: string;
  end: string;
  /** Stable name of the period, e.g. `monthly:2025-06-01`. */
  key: string;
  timeZone: string;
}

/** The period-end projection (docs/alerting.md, "The forecast rule"). */
export interface BudgetForecastView {
  projected: MoneyAmount;
  /** Projection as a percentage of the amount. */
  percentage: string;
  method: 'weighted-average' | 'weekday-seasonal' | 'period-run-rate' | 'spend-to-date';
  /** Expected spend per local day the projection used. */
  dailyRate: string;
  historyDays: number;
  /** What is left of the period, in local days. */
  remainingDays: string;
}

/** Live figures of the current period, computed when the budget is read. */
export interface BudgetStatusView {
  period: BudgetPeriodView;
  spend: MoneyAmount;
  percentage: string;
  /** Thresholds the spend has reached in this period. */
  thresholdsReached: number[];
  forecast: BudgetForecastView;
  /** Usage records in the period that could not be priced: the spend is incomplete until they are. */
  unpricedRecords: number;
  asOf: string;
}

export interface BudgetView {
  id: string;
  organizationId: string;
  name: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  amount: MoneyAmount;
  thresholds: number[];
  timeZone: string;
  enforce: boolean;
  createdAt: string;
  updatedAt: string;
  /** For If-Match. */
  revision: number;
  current: BudgetStatusView;
}

export interface BudgetList {
  data: BudgetView[];
}

/** An enforced budget that covers a project's calls, as the proxy checks it before a call. */
export interface EnforcedBudgetView {
  budgetId: string;
  name: string;
  /** Organization, project (the one asked about) or tag: a tag budget covers the calls that carry its tag. */
  scope: Exclude<BudgetScope, { type: 'end_user' }>;
  amount: MoneyAmount;
  /** Recorded spend of the current period (decimal string, the amount's currency). */
  spent: string;
  /** End of the current period: spend starts again from zero then. */
  periodEnd: string;
}

export interface EnforcedBudgets {
  budgets: EnforcedBudgetView[];
}

/** Rules of an organization: every rule is on by default, with the defaults below. */
export interface AlertRuleSettings {
  /** Budget thresholds: each threshold of a budget fires at most once per period. */
  threshold: { enabled: boolean };
  /** Fires once per period when the projected period-end spend exceeds `percent` of the budget. */
  forecast: { enabled: boolean; percent: number };
  /** Hourly spend of the organization and of each project against the same hour on previous days. */
  anomaly: { enabled: boolean; sensitivity: number; minIncrease: string; cooldownMinutes: number };
  /** Share of failed calls in a clock hour against the previous seven days. */
  errorRate: { enabled: boolean; minErrorRatePercent: number; minRequests: number; cooldownMinutes: number };
  /**
   * Share of a project's traces flagged by the failure detectors (errors, retry storms, loops, timeouts, cost
   * outliers, runaway context) among those evaluated in a clock hour: fires at `minFlaggedPercent` or more once
   * `minTraces` were evaluated.
   */
  traceFailures: { enabled: boolean; minFlaggedPercent: number; minTraces: number; cooldownMinutes: number };
  /** Usage that could not be priced, once per local day of the organization. */
  unpriced: { enabled: boolean };
  /**
   * A UTC day on which a provider billed more than was recorded (unrecorded) or less (overrecorded) by more than
   * `threshold` USD (a decimal string), once per provider, day and direction (provider-sync's reconciliation).
   */
  reconciliation: { enabled: boolean; threshold: string };
}

export const DEFAULT_ALERT_RULES: AlertRuleSettings = {
  threshold: { enabled: true },
  forecast: { enabled: true, percent: 100 },
  anomaly: { enabled: true, sensitivity: 6, minIncrease: '1', cooldownMinutes: 240 },
  errorRate: { enabled: true, minErrorRatePercent: 5, minRequests: 50, cooldownMinutes: 60 },
  traceFailures: { enabled: true, minFlaggedPercent: 20, minTraces: 10, cooldownMinutes: 60 },
  unpriced: { enabled: true },
  reconciliation: { enabled: true, threshold: '10' },
};

export const DEFAULT_ALERT_TIME_ZONE = 'UTC';

export interface AlertSettingsView {
  organizationId: string;
  /** IANA zone of the organization's calendar: new budgets' default, and the day of anomaly seasonality. */
  timeZone: string;
  rules: AlertRuleSettings;
  /** -1 while the organization runs on the defaults. */
  revision: number;
  updatedAt: string | null;
}

export type AlertRuleSettingsPatch = { [K in keyof AlertRuleSettings]?: Partial<AlertRuleSettings[K]> };

export interface UpdateAlertSettingsRequest {
  timeZone?: string;
  rules?: AlertRuleSettingsPatch;
  expectedRevision?: number;
}

/**
 * `audit_integrity` is not a rule of the settings: a security alert (the audit service found the event store
 * tampered with) that an organization cannot switch off.
 */
export const ALERT_KINDS = [
  'threshold',
  'forecast',
  'anomaly',
  'error_rate',
  'trace_failures',
  'unpriced',
  'reconciliation',
  'audit_integrity',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** Why an alert stopped firing. */
export type AlertResolution =
  /** The budget period, hour or day the alert was about is over. */
  | 'period-ended'
  /** The condition no longer holds (spend corrected, budget raised, usage repriced, rate back to normal). */
  | 'condition-cleared'
  /** A higher threshold of the same budget fired in the same period, or a forecast came true (the spend passed it). */
  | 'superseded'
  | 'budget-deleted'
  /** The budget's period or time zone changed: its alerts were about a period it no longer has. */
  | 'budget-changed';

export interface AlertScopeView {
  type: BudgetScopeType;
  /** As the notification shows it: `project checkout-bot`, `tag feature=search`, `end user u_123`. */
  description: string;
  projectId?: string;
  tag?: { key: string; value: string };
  userId?: string;
}

export interface AlertView {
  id: string;
  organizationId: string;
  kind: AlertKind;
  state: AlertState;
  budgetId: string | null;
  scope: AlertScopeView;
  firedAt: string;
  acknowledgedAt: string | null;
  /** Who acknowledged it: `user:<id>` or `api_key:<id>`. */
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolution: AlertResolution | null;
  /** Exactly what the channels were sent (amounts, projection, baseline, …). */
  notification: AlertNotificationData;
  revision: number;
}

export interface ListAlertsRequest {
  state?: AlertState;
  kind?: AlertKind;
  budgetId?: string;
  /** `firedAt` in `[from, to)`. */
  from?: string;
  to?: string;
  /** 1 to 200; 50 when absent. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface AlertList {
  /** Newest first. */
  data: AlertView[];
  nextCursor: string | null;
}

export interface AlertRef {
  alertId: string;
}

export const CHANNEL_TYPES = ['slack', 'discord', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CHANNEL_LIMITS = { maxNameLength: 100, maxChannelsPerOrganization: 50 } as const;

export interface CreateChannelRequest {
  type: ChannelType;
  name: string;
  /**
   * `slack`: `{ url }` (an incoming-webhook URL); `discord`: `{ url }` (a webhook URL); `webhook`: `{ url, secret? }`,
   * any public HTTPS URL and a signing secret of 24 to 256 characters, generated when absent.
   */
  config: Record<string, unknown>;
}

export interface ChannelRef {
  channelId: string;
}

/** A channel as the API shows it: never its URL in full, never a secret. */
export interface ChannelView {
  id: string;
  organizationId: string;
  type: ChannelType;
  name: string;
  /** What the channel class lets the API show, e.g. `Slack incoming webhook https://hooks.slack.com/services/…`. */
  description: string;
  createdAt: string;
}

export interface CreatedChannel extends ChannelView {
  /** `webhook` only, and only when the service generated it: shown this once, stored encrypted. */
  signingSecret?: string;
}

export interface ChannelList {
  data: ChannelView[];
}

/** One attempt, made at once and not retried, with a sample alert. */
export interface ChannelTestResult {
  outcome: DeliveryAttemptOutcome;
  reason: string | null;
  httpStatus: number | null;
  /** The receiver's short answer or what failed; never the URL. */
  detail: string;
  durationMs: number | null;
}

export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'dead'] as const;
/** `failed`: the receiver or the SSRF check refused it for good; `dead`: still failing after the last retry. */
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export type DeliveryAttemptOutcome = 'delivered' | 'retryable' | 'permanent' | 'dead';

export interface DeliveryAttemptView {
  attempt: number;
  outcome: DeliveryAttemptOutcome;
  /** `server-error`, `rate-limited`, `network`, `timeout`, `rejected`, `redirect`, `refused`, … */
  reason: string | null;
  httpStatus: number | null;
  detail: string;
  /** The wait before the next attempt (a receiver's `Retry-After` included). */
  retryInMs: number | null;
  at: string;
}

export interface DeliveryView {
  /** `<alertId>:<channelId>`: the idempotency key webhooks receive as `X-LLMLab-Delivery`. */
  id: string;
  alertId: string;
  channelId: string;
  channelType: ChannelType;
  channelName: string;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  lastError: string | null;
  log: DeliveryAttemptView[];
}

export interface DeliveryList {
  data: DeliveryView[];
}

export type AlertsResource = 'budget' | 'alert' | 'channel';

/** The gateway's question for `/v1/budgets/{id}`, `/v1/alerts/{id}`, `/v1/channels/{id}`: whose is it? */
export interface ResolveAlertsOwnerRequest {
  resource: AlertsResource;
  id: string;
}

export interface AlertsOwner {
  organizationId: string;
}

/**
 * What an alert says, as every channel renders it (`AlertNotification` of `@llmlab/notifications` has exactly this
 * shape; docs/alerting.md describes it).
 */
export interface AlertNotificationBase {
  alertId: string;
  organization: { id: string; name: string };
  scope: { type: BudgetScopeType; description: string };
  period: { unit: BudgetPeriod | 'hourly' | 'window'; start: string; end: string; timeZone: string };
  link: string;
  firedAt: string;
}

export type AlertNotificationData =
  | (AlertNotificationBase & { kind: 'threshold'; spend: MoneyAmount; budget: MoneyAmount; percentage: string; threshold: string })
  | (AlertNotificationBase & { kind: 'forecast'; spend: MoneyAmount; projected: MoneyAmount; budget: MoneyAmount; percentage: string })
  | (AlertNotificationBase & { kind: 'anomaly'; spend: MoneyAmount; baseline: MoneyAmount; score: string })
  | (AlertNotificationBase & { kind: 'error_rate'; requests: number; errors: number; errorRate: string; baselineRate: string })
  | (AlertNotificationBase & {
      kind: 'trace_failures';
      /** Traces of the project evaluated in the hour, and how many of them the detectors flagged. */
      traces: number;
      flagged: number;
      /** Percent of the evaluated traces flagged, two decimals. */
      flaggedRate: string;
      /** Flagged traces per flag type (a trace with two flags counts in both). */
      flags: Partial<Record<TraceFlagType, number>>;
      /** Up to three flagged trace ids, most recently evaluated first: where to start looking. */
      examples: string[];
    })
  | (AlertNotificationBase & { kind: 'unpriced'; records: number; models: string[] })
  | (AlertNotificationBase & { kind: 'reconciliation' } & ReconciliationDiscrepancy)
  | (AlertNotificationBase & {
      kind: 'audit_integrity';
    } & Pick<AuditIntegrityViolatedData, 'position' | 'reason' | 'detail' | 'detectedAt'>);
