/** An amount of money as it travels everywhere in LLMLab: a decimal string and an ISO 4217 currency. */
export interface Money {
  amount: string;
  currency: string;
}

export type AlertKind =
  'threshold' | 'forecast' | 'anomaly' | 'error_rate' | 'trace_failures' | 'unpriced' | 'reconciliation' | 'audit_integrity';

export interface AlertScope {
  type: 'organization' | 'project' | 'tag' | 'end_user';
  /** Shown as is, e.g. `project checkout-bot`, `tag feature=search`, `end user u_123`. */
  description: string;
}

/** The budget period or the observation window an alert is about; instants are ISO 8601 UTC. */
export interface AlertPeriod {
  unit: 'daily' | 'weekly' | 'monthly' | 'hourly' | 'window';
  start: string;
  end: string;
  /** IANA zone the period is calendared in (the organization's), also used to print it. */
  timeZone: string;
}

interface AlertBase {
  alertId: string;
  organization: { id: string; name: string };
  scope: AlertScope;
  period: AlertPeriod;
  /** Where the alert is shown in LLMLab; absolute https URL. */
  link: string;
  /** ISO 8601 UTC. */
  firedAt: string;
}

export interface ThresholdAlert extends AlertBase {
  kind: 'threshold';
  spend: Money;
  budget: Money;
  /** Spend as a percentage of the budget, a decimal string: `"81.2"`. */
  percentage: string;
  /** The threshold crossed, in percent: `"80"`. */
  threshold: string;
}

export interface ForecastAlert extends AlertBase {
  kind: 'forecast';
  spend: Money;
  projected: Money;
  budget: Money;
  /** The projection as a percentage of the budget. */
  percentage: string;
}

export interface AnomalyAlert extends AlertBase {
  kind: 'anomaly';
  /** Spend in the hour that fired (`period` is that hour). */
  spend: Money;
  /** What that hour usually costs: the median of the same hour on previous days. */
  baseline: Money;
  /** How many robust standard deviations above the baseline, e.g. `"14.2"`. */
  score: string;
}

export interface ErrorRateAlert extends AlertBase {
  kind: 'error_rate';
  requests: number;
  errors: number;
  /** Percent, decimal strings: `"23.5"`. */
  errorRate: string;
  baselineRate: string;
}

/** A project's traces flagged by the failure detectors in one clock hour (`period` is that hour). */
export interface TraceFailuresAlert extends AlertBase {
  kind: 'trace_failures';
  /** Traces evaluated in the hour, and how many were flagged. */
  traces: number;
  flagged: number;
  /** Percent of the evaluated traces flagged: `"35.00"`. */
  flaggedRate: string;
  /** Flagged traces per flag type (`error`, `retry_storm`, `tool_loop`, `timeout`, `cost_outlier`, `runaway_context`). */
  flags: Partial<Record<string, number>>;
  /** Up to three flagged trace ids to open first. */
  examples: string[];
}

export interface UnpricedAlert extends AlertBase {
  kind: 'unpriced';
  /** Usage records in the window that could not be priced. */
  records: number;
  models: string[];
}

/** A provider billed more (unrecorded) or less (overrecorded) than was recorded on one UTC day (`period` is that day). */
export interface ReconciliationAlert extends AlertBase {
  kind: 'reconciliation';
  /** The provider id, e.g. `openai`. */
  provider: string;
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  direction: 'unrecorded' | 'overrecorded';
  recorded: Money;
  billed: Money;
  /** |billed − recorded|. */
  difference: Money;
}

/** Which check of the audit service's verification failed. */
export type AuditIntegrityReason = 'chain_broken' | 'position_gap' | 'anchor_changed' | 'signed_root_mismatch';

/**
 * The audit service found the event store changed behind its back at an event of the organization (`period` is the
 * instant it was found). Names the position and the check that failed, never the event's content.
 */
export interface AuditIntegrityAlert extends AlertBase {
  kind: 'audit_integrity';
  /** The first position (of the whole event store) found wrong. */
  position: number;
  reason: AuditIntegrityReason;
  /** One sentence from the audit service, e.g. `event 42 does not chain to the hash of event 41`. */
  detail: string;
  /** ISO 8601 UTC. */
  detectedAt: string;
}

/** The payload every channel renders; the webhook channel sends it as is. */
export type AlertNotification =
  | ThresholdAlert
  | ForecastAlert
  | AnomalyAlert
  | ErrorRateAlert
  | TraceFailuresAlert
  | UnpricedAlert
  | ReconciliationAlert
  | AuditIntegrityAlert;
