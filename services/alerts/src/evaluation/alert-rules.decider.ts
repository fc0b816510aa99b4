import type {
  AlertKind,
  AlertNotificationData,
  AlertResolution,
  AlertRuleSettings,
  AuditIntegrityFailure,
  BudgetScope,
  BudgetStatusView,
  MoneyAmount,
  ReconciliationDirection,
} from '@llmlab/contracts';
import { detectErrorRateSpike, detectSpendAnomaly, type HourlySpend, type RequestCounts } from '@llmlab/spend-analytics';
import type { BudgetFacts } from '../budgets/budget-status';
import { assertUnreachable, Money, toMoneyString } from '@llmlab/domain';
import { scopeKey } from '../spend/scope';

/**
 * Which alerts the rules fire and when a fired alert is over, as pure functions of what the evaluator observed
 * and what fired before. Time comes in the observation; ids come from the rule keys, so a decision taken twice
 * (two replicas, a retry) names the same alert, and its stream (appended with `no_stream`) records it once.
 */

const HOUR_MS = 3_600_000;

/** Traces of a project evaluated in an hour (each at its latest verdict) and the flagged ones among them. */
export interface TraceOutcomeCounts {
  traces: number;
  flagged: number;
  /** Flagged traces per flag type. */
  flags: Record<string, number>;
  examples: string[];
}

export type RuleObservation =
  /** A budget's current period, with its live status (spend, thresholds reached, forecast). */
  | { rule: 'budget'; budget: BudgetFacts; status: BudgetStatusView; now: Date }
  /** Spend of one clock hour of a scope (the current one may be partial) and the 15 days before it. */
  | {
      rule: 'anomaly';
      organizationId: string;
      scope: BudgetScope;
      hourStart: Date;
      amount: string;
      history: readonly HourlySpend[];
      timeZone: string;
      now: Date;
    }
  /** Calls and failures of one clock hour of a scope, and of the seven days before it. */
  | {
      rule: 'error_rate';
      organizationId: string;
      scope: BudgetScope;
      hourStart: Date;
      current: RequestCounts;
      baseline: RequestCounts;
      timeZone: string;
      now: Date;
    }
  /** Traces of a project evaluated in one clock hour, and how many the failure detectors flagged. */
  | {
      rule: 'trace_failures';
      organizationId: string;
      scope: BudgetScope;
      hourStart: Date;
      outcomes: TraceOutcomeCounts;
      timeZone: string;
      now: Date;
    }
  /** Usage records that could not be priced in one local day of the organization. */
  | {
      rule: 'unpriced';
      organizationId: string;
      day: { key: string; start: Date; end: Date; timeZone: string };
      records: number;
      models: string[];
      now: Date;
    }
  /** A complete UTC day of one provider whose billed and recorded spend disagree (provider-sync's reconciliation). */
  | {
      rule: 'reconciliation';
      organizationId: string;
      provider: string;
      /** `YYYY-MM-DD`. */
      day: string;
      direction: ReconciliationDirection;
      recorded: MoneyAmount;
      billed: MoneyAmount;
      now: Date;
    }
  /** The audit service found the event store tampered with at an event of the organization (`AuditIntegrityViolated`). */
  | {
      rule: 'audit_integrity';
      organizationId: string;
      position: number;
      reason: AuditIntegrityFailure;
      detail: string;
      detectedAt: string;
    };

export interface RuleState {
  rules: AlertRuleSettings;
  /** Rule keys known to have fired: deciding again would only be refused by the store. */
  fired: ReadonlySet<string>;
  /** When this rule last fired on this scope (repeating rules' cooldown). */
  lastFiredAt: Date | null;
}

type Facts<K extends AlertKind> = Omit<Extract<AlertNotificationData, { kind: K }>, keyof NotificationEnvelope>;
type NotificationEnvelope = {
  alertId: string;
  organization: unknown;
  scope: unknown;
  period: unknown;
  link: string;
  firedAt: string;
  kind: AlertKind;
};
type KindFacts = { [K in AlertKind]: { kind: K } & Facts<K> }[AlertKind];

/** An alert to fire: the evaluator adds its id (from `ruleKey`), the organization's name, the link and the time. */
export interface AlertCandidate {
  ruleKey: string;
  budgetId: string | null;
  scope: BudgetScope;
  periodKey: string;
  period: { unit: 'daily' | 'weekly' | 'monthly' | 'hourly' | 'window'; start: string; end: string; timeZone: string };
  threshold: number | null;
  facts: KindFacts;
}

export const ruleKeys = {
  threshold: (budgetId: string, periodKey: string, threshold: number) => `threshold:${budgetId}:${periodKey}:${threshold}`,
  forecast: (budgetId: string, periodKey: string) => `forecast:${budgetId}:${periodKey}`,
  anomaly: (organizationId: string, scope: BudgetScope, hourStart: Date) =>
    `anomaly:${organizationId}:${scopeKey(scope)}:${hourStart.toISOString()}`,
  errorRate: (organizationId: string, scope: BudgetScope, hourStart: Date) =>
    `error_rate:${organizationId}:${scopeKey(scope)}:${hourStart.toISOString()}`,
  traceFailures: (organizationId: string, scope: BudgetScope, hourStart: Date) =>
    `trace_failures:${organizationId}:${scopeKey(scope)}:${hourStart.toISOString()}`,
  unpriced: (organizationId: string, dayKey: string) => `unpriced:${organizationId}:${dayKey}`,
  reconciliation: (organizationId: string, provider: string, day: string, direction: ReconciliationDirection) =>
    `reconciliation:${organizationId}:${provider}:${day}:${direction}`,
  /** One incident of the audit service: where it found the store wrong, and when (a later incident at the same place is another). */
  auditIntegrity: (organizationId: string, position: number, detectedAt: string) =>
    `audit_integrity:${organizationId}:${position}:${detectedAt}`,
  /** Key of a repeating rule's cooldown: per rule and scope, whatever hour fired. */
  cooldown: (rule: RepeatingRule, scope: BudgetScope) => `${rule}:${scopeKey(scope)}`,
};

function percent(fraction: number): string {
  return (Math.round(fraction * 10_000) / 100).toFixed(2);
}

function coolingDown(state: RuleState, minutes: number, now: Date): boolean {
  return state.lastFiredAt !== null && now.getTime() - state.lastFiredAt.getTime() < minutes * 60_000;
}

function hourPeriod(hourStart: Date, timeZone: string): AlertCandidate['period'] {
  return { unit: 'hourly', start: hourStart.toISOString(), end: new Date(hourStart.getTime() + HOUR_MS).toISOString(), timeZone };
}

/**
 * Budget thresholds: the highest threshold reached fires, once per period, unless that or a higher one fired
 * already (spend that jumps past 50 % and 80 % at once sends one message, not two). Forecast: once per period,
 * when the projection passes the rule's percent of the amount while the spend has not (yet).
 */
function budgetAlerts(observation: Extract<RuleObservation, { rule: 'budget' }>, state: RuleState): AlertCandidate[] {
  const { budget, status } = observation;
  const periodKey = status.period.key;
  const period = { unit: budget.period, start: status.period.start, end: status.period.end, timeZone: status.period.timeZone };
  const base = { budgetId: budget.id, scope: budget.scope, periodKey, period };
  const candidates: AlertCandidate[] = [];

  const highest = status.thresholdsReached.at(-1);
  if (state.rules.threshold.enabled && highest !== undefined) {
    const firedAlready = budget.thresholds.some((t) => t >= highest && state.fired.has(ruleKeys.threshold(budget.id, periodKey, t)));
    if (!firedAlready) {
      candidates.push({
        ...base,
        ruleKey: ruleKeys.threshold(budget.id, periodKey, highest),
        threshold: highest,
        facts: { kind: 'threshold', spend: status.spend, budget: budget.amount, percentage: status.percentage, threshold: String(highest) },
      });
    }
  }

  const forecastKey = ruleKeys.forecast(budget.id, periodKey);
  if (state.rules.forecast.enabled && !state.fired.has(forecastKey) && forecastOverrun(budget, status, state.rules)) {
    candidates.push({
      ...base,
      ruleKey: forecastKey,
      threshold: null,
      facts: {
        kind: 'forecast',
        spend: status.spend,
        projected: status.forecast.projected,
        budget: budget.amount,
        percentage: status.forecast.percentage,
      },
    });
  }
  return candidates;
}

/** A projection made from nothing but the spend so far (the first hours of a period) is not a forecast. */
function forecastOverrun(budget: BudgetFacts, status: BudgetStatusView, rules: AlertRuleSettings): boolean {
  if (status.forecast.method === 'spend-to-date') return false;
  const limit = new Money(budget.amount.amount).times(rules.forecast.percent).div(100);
  return new Money(status.forecast.projected.amount).gt(limit) && new Money(status.spend.amount).lte(limit);
}

/** The rules that watch clock hours and may fire again on a later hour, after their cooldown. */
export type RepeatingRule = 'anomaly' | 'error_rate' | 'trace_failures';
type HourObservation = Extract<RuleObservation, { rule: RepeatingRule }>;

function anomalyDetection(observation: Extract<RuleObservation, { rule: 'anomaly' }>, rules: AlertRuleSettings) {
  return detectSpendAnomaly({ hourStart: observation.hourStart, amount: observation.amount }, observation.history, {
    timeZone: observation.timeZone,
    sensitivity: rules.anomaly.sensitivity,
    minIncrease: rules.anomaly.minIncrease,
  });
}

function errorRateDetection(observation: Extract<RuleObservation, { rule: 'error_rate' }>, rules: AlertRuleSettings) {
  return detectErrorRateSpike(observation.current, observation.baseline, {
    minRequests: rules.errorRate.minRequests,
    minErrorRate: rules.errorRate.minErrorRatePercent / 100,
  });
}

/** At least `minTraces` evaluated and at least `minFlaggedPercent` of them flagged. */
function traceFailuresDetection(observation: Extract<RuleObservation, { rule: 'trace_failures' }>, rules: AlertRuleSettings) {
  const { traces, flagged } = observation.outcomes;
  const { minTraces, minFlaggedPercent } = rules.traceFailures;
  const rate = traces > 0 ? flagged / traces : 0;
  return { fires: traces >= minTraces && flagged > 0 && flagged * 100 >= minFlaggedPercent * traces, rate };
}

/** Whether an hour is anomalous (spend), spiking (errors) or failing (traces) by the organization's rules, fired or not. */
export function hourFires(observation: HourObservation, rules: AlertRuleSettings): boolean {
  switch (observation.rule) {
    case 'anomaly':
      return anomalyDetection(observation, rules).fires;
    case 'error_rate':
      return errorRateDetection(observation, rules).fires;
    case 'trace_failures':
      return traceFailuresDetection(observation, rules).fires;
    default:
      return assertUnreachable(observation);
  }
}

/**
 * A repeating rule's alert for one clock hour of a scope: at most once per hour (its rule key), not within the
 * cooldown after the rule last fired there, and only when `facts` (the detection) says it fires.
 */
function hourAlert(
  observation: HourObservation,
  state: RuleState,
  settings: { enabled: boolean; cooldownMinutes: number },
  ruleKey: string,
  facts: () => KindFacts | null,
): AlertCandidate[] {
  if (!settings.enabled || state.fired.has(ruleKey) || coolingDown(state, settings.cooldownMinutes, observation.now)) return [];
  const fired = facts();
  if (!fired) return [];
  return [
    {
      ruleKey,
      budgetId: null,
      scope: observation.scope,
      periodKey: observation.hourStart.toISOString(),
      period: hourPeriod(observation.hourStart, observation.timeZone),
      threshold: null,
      facts: fired,
    },
  ];
}

function anomalyAlerts(observation: Extract<RuleObservation, { rule: 'anomaly' }>, state: RuleState): AlertCandidate[] {
  const ruleKey = ruleKeys.anomaly(observation.organizationId, observation.scope, observation.hourStart);
  return hourAlert(observation, state, state.rules.anomaly, ruleKey, () => {
    const detection = anomalyDetection(observation, state.rules);
    if (!detection.fires) return null;
    return {
      kind: 'anomaly',
      spend: { amount: detection.amount, currency: 'USD' },
      baseline: { amount: detection.baseline, currency: 'USD' },
      score: detection.score.toFixed(1),
    };
  });
}

function errorRateAlerts(observation: Extract<RuleObservation, { rule: 'error_rate' }>, state: RuleState): AlertCandidate[] {
  const ruleKey = ruleKeys.errorRate(observation.organizationId, observation.scope, observation.hourStart);
  return hourAlert(observation, state, state.rules.errorRate, ruleKey, () => {
    const spike = errorRateDetection(observation, state.rules);
    if (!spike.fires) return null;
    return {
      kind: 'error_rate',
      requests: observation.current.requests,
      errors: observation.current.errors,
      errorRate: percent(spike.rate),
      baselineRate: percent(spike.baselineRate),
    };
  });
}

function traceFailuresAlerts(observation: Extract<RuleObservation, { rule: 'trace_failures' }>, state: RuleState): AlertCandidate[] {
  const ruleKey = ruleKeys.traceFailures(observation.organizationId, observation.scope, observation.hourStart);
  return hourAlert(observation, state, state.rules.traceFailures, ruleKey, () => {
    const detection = traceFailuresDetection(observation, state.rules);
    if (!detection.fires) return null;
    const { traces, flagged, flags, examples } = observation.outcomes;
    return { kind: 'trace_failures', traces, flagged, flaggedRate: percent(detection.rate), flags: { ...flags }, examples: [...examples] };
  });
}

function unpricedAlerts(observation: Extract<RuleObservation, { rule: 'unpriced' }>, state: RuleState): AlertCandidate[] {
  const ruleKey = ruleKeys.unpriced(observation.organizationId, observation.day.key);
  if (!state.rules.unpriced.enabled || observation.records <= 0 || state.fired.has(ruleKey)) return [];
  const { day } = observation;
  return [
    {
      ruleKey,
      budgetId: null,
      scope: { type: 'organization' },
      periodKey: day.key,
      period: { unit: 'daily', start: day.start.toISOString(), end: day.end.toISOString(), timeZone: day.timeZone },
      threshold: null,
      facts: { kind: 'unpriced', records: observation.records, models: [...observation.models].sort() },
    },
  ];
}

/**
 * Once per provider, UTC day and direction, when the difference between billed and recorded exceeds the
 * organization's threshold (USD). The direction is recomputed from the figures, not taken from the reporter.
 */
function reconciliationAlerts(observation: Extract<RuleObservation, { rule: 'reconciliation' }>, state: RuleState): AlertCandidate[] {
  const settings = state.rules.reconciliation;
  const billed = new Money(observation.billed.amount);
  const recorded = new Money(observation.recorded.amount);
  const direction: ReconciliationDirection = billed.gt(recorded) ? 'unrecorded' : 'overrecorded';
  const difference = billed.minus(recorded).abs();
  const ruleKey = ruleKeys.reconciliation(observation.organizationId, observation.provider, observation.day, direction);
  if (!settings.enabled || !difference.gt(settings.threshold) || state.fired.has(ruleKey)) return [];
  const start = new Date(`${observation.day}T00:00:00.000Z`);
  const end = new Date(start.getTime() + 86_400_000);
  return [
    {
      ruleKey,
      budgetId: null,
      scope: { type: 'organization' },
      periodKey: `${observation.provider}:${observation.day}:${direction}`,
      period: { unit: 'daily', start: start.toISOString(), end: end.toISOString(), timeZone: 'UTC' },
      threshold: null,
      facts: {
        kind: 'reconciliation',
        provider: observation.provider,
        day: observation.day,
        direction,
        recorded: observation.recorded,
        billed: observation.billed,
        difference: { amount: toMoneyString(difference), currency: 'USD' },
      },
    },
  ];
}

/**
 * Once per incident, whatever the organization's settings: a security alert that cannot be switched off (the
 * settings have no rule for it). It names the position and the check that failed, never the event's content, and
 * is never resolved by the rules: an operator closes the incident, a person acknowledges the alert.
 */
function auditIntegrityAlerts(observation: Extract<RuleObservation, { rule: 'audit_integrity' }>, state: RuleState): AlertCandidate[] {
  const { organizationId, position, reason, detail, detectedAt } = observation;
  const ruleKey = ruleKeys.auditIntegrity(organizationId, position, detectedAt);
  if (state.fired.has(ruleKey)) return [];
  return [
    {
      ruleKey,
      budgetId: null,
      scope: { type: 'organization' },
      periodKey: `${position}:${detectedAt}`,
      // An instant, not a span: when the verification found it.
      period: { unit: 'window', start: detectedAt, end: detectedAt, timeZone: 'UTC' },
      threshold: null,
      facts: { kind: 'audit_integrity', position, reason, detail, detectedAt },
    },
  ];
}

export function decideAlerts(observation: RuleObservation, state: RuleState): AlertCandidate[] {
  switch (observation.rule) {
    case 'budget':
      return budgetAlerts(observation, state);
    case 'anomaly':
      return anomalyAlerts(observation, state);
    case 'error_rate':
      return errorRateAlerts(observation, state);
    case 'trace_failures':
      return traceFailuresAlerts(observation, state);
    case 'unpriced':
      return unpricedAlerts(observation, state);
    case 'reconciliation':
      return reconciliationAlerts(observation, state);
    case 'audit_integrity':
      return auditIntegrityAlerts(observation, state);
    default:
      return assertUnreachable(observation);
  }
}

/** A fired alert that is not resolved, as the resolution rules need it. */
export interface OpenAlert {
  kind: AlertKind;
  periodKey: string;
  periodEnd: Date;
  threshold: number | null;
}

export type ResolutionObservation =
  /** `budget` null: deleted. `fired`: the threshold alerts of the current period. */
  | {
      about: 'budget';
      budget: BudgetFacts | null;
      status: BudgetStatusView | null;
      firedThresholds: number[];
      rules: AlertRuleSettings;
      now: Date;
    }
  /** Whether the scope's latest complete hour would fire the same rule. */
  | { about: 'hour'; latestHourFires: boolean; now: Date }
  | { about: 'unpriced'; records: number; now: Date };

/**
 * When a firing (or acknowledged) alert is over. Budget alerts: with their period, their budget, or their
 * condition (spend corrected down, amount raised, a higher threshold taking over). Hourly alerts: once their hour
 * is over and the latest complete hour is normal again. Unpriced: when the day's records are priced, or the day ends.
 */
export function decideResolution(alert: OpenAlert, observation: ResolutionObservation): AlertResolution | null {
  switch (observation.about) {
    case 'budget': {
      const { budget, status, now } = observation;
      if (!budget || !status) return 'budget-deleted';
      if (now >= alert.periodEnd) return 'period-ended';
      if (status.period.key !== alert.periodKey) return 'budget-changed';
      if (alert.kind === 'threshold') {
        const threshold = alert.threshold ?? 0;
        if (observation.firedThresholds.some((t) => t > threshold)) return 'superseded';
        return status.thresholdsReached.includes(threshold) ? null : 'condition-cleared';
      }
      const limit = new Money(budget.amount.amount).times(observation.rules.forecast.percent).div(100);
      if (new Money(status.spend.amount).gt(limit)) return 'superseded';
      return new Money(status.forecast.projected.amount).gt(limit) ? null : 'condition-cleared';
    }
    case 'hour':
      return observation.now >= alert.periodEnd && !observation.latestHourFires ? 'condition-cleared' : null;
    case 'unpriced':
      if (observation.records === 0) return 'condition-cleared';
      return observation.now >= alert.periodEnd ? 'period-ended' : null;
    default:
      return assertUnreachable(observation);
  }
}
