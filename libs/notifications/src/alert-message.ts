import { Decimal } from 'decimal.js';
import type { AlertNotification, AlertPeriod, AuditIntegrityReason, Money } from './alert-notification';

export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * What an alert says, independent of any channel's format: channels lay these parts out (Block Kit, an embed)
 * and escape them for their markup. Every string is plain text.
 */
export interface AlertMessage {
  title: string;
  summary: string;
  /** `wide` facts (long text: scope, period) get a line of their own where a layout has columns. */
  facts: { label: string; value: string; wide?: boolean }[];
  severity: AlertSeverity;
}

/**
 * `1,234.50 USD`; amounts below one keep two significant digits (`0.00042 USD`), since LLM spend per hour or per
 * user is often a fraction of a cent. Exact: the decimal string never passes through a float.
 */
export function formatMoney(money: Money): string {
  const value = new Decimal(money.amount);
  const text = value.abs().gte(1) || value.isZero() ? value.toFixed(2) : value.toSignificantDigits(2).toFixed();
  const [whole, fraction] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${grouped}${fraction ? '.' + fraction : ''} ${money.currency}`;
}

export function formatPercent(percent: string): string {
  return `${new Decimal(percent).toDecimalPlaces(1).toFixed()}%`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(iso: string, timeZone: string): { date: string; time: string } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** `2025-06-01 – 2025-06-30 (monthly, Europe/Paris)` or `2025-06-03 14:00 – 15:00 (UTC)`. */
export function formatPeriod(period: AlertPeriod): string {
  const start = localParts(period.start, period.timeZone);
  if (period.unit === 'hourly' || period.unit === 'window') {
    const end = localParts(period.end, period.timeZone);
    const endText = end.date === start.date ? end.time : `${end.date} ${end.time}`;
    return `${start.date} ${start.time} – ${endText} (${period.timeZone})`;
  }
  // The end is exclusive: the last day of a period is the day before it.
  const last = localParts(new Date(Date.parse(period.end) - 1).toISOString(), period.timeZone);
  const range = last.date === start.date ? start.date : `${start.date} – ${last.date}`;
  return `${range} (${period.unit}, ${period.timeZone})`;
}

/** What each check of the audit service's verification means, for people who never read its code. */
const INTEGRITY_CHECKS: Record<AuditIntegrityReason, string> = {
  chain_broken: 'an event no longer chains to the one before it, or no longer hashes to its content',
  position_gap: 'an event is missing from the sequence',
  anchor_changed: 'an event already in the audit tree was rewritten',
  signed_root_mismatch: 'the history no longer matches a signed tree head',
};

function assertNever(value: never): never {
  throw new Error(`unhandled alert kind ${JSON.stringify(value)}`);
}

export function describeAlert(alert: AlertNotification): AlertMessage {
  const scope = alert.scope.description;
  const common = [
    { label: 'Scope', value: scope, wide: true },
    { label: 'Period', value: formatPeriod(alert.period), wide: true },
    { label: 'Organization', value: alert.organization.name },
  ];
  switch (alert.kind) {
    case 'threshold':
      return {
        title: `Budget ${formatPercent(alert.threshold)} reached`,
        summary:
          `${scope} has spent ${formatMoney(alert.spend)} of its ${formatMoney(alert.budget)} ${alert.period.unit} ` +
          `budget (${formatPercent(alert.percentage)}).`,
        facts: [
          { label: 'Spend', value: formatMoney(alert.spend) },
          { label: 'Budget', value: formatMoney(alert.budget) },
          { label: 'Used', value: formatPercent(alert.percentage) },
          ...common,
        ],
        severity: new Decimal(alert.threshold).gte(100) ? 'critical' : 'warning',
      };
    case 'forecast':
      return {
        title: 'Budget forecast to be exceeded',
        summary:
          `${scope} is projected to spend ${formatMoney(alert.projected)} this period, ` +
          `${formatPercent(alert.percentage)} of its ${formatMoney(alert.budget)} ${alert.period.unit} budget.`,
        facts: [
          { label: 'Projected', value: formatMoney(alert.projected) },
          { label: 'Budget', value: formatMoney(alert.budget) },
          { label: 'Projected use', value: formatPercent(alert.percentage) },
          { label: 'Spend so far', value: formatMoney(alert.spend) },
          ...common,
        ],
        severity: 'warning',
      };
    case 'anomaly':
      return {
        title: 'Unusual spend',
        summary:
          `${scope} spent ${formatMoney(alert.spend)} in one hour, where that hour usually costs ` + `${formatMoney(alert.baseline)}.`,
        facts: [
          { label: 'Spend in the hour', value: formatMoney(alert.spend) },
          { label: 'Usual for this hour', value: formatMoney(alert.baseline) },
          { label: 'Score', value: `${alert.score} σ` },
          ...common,
        ],
        severity: 'warning',
      };
    case 'error_rate':
      return {
        title: 'Error rate spike',
        summary:
          `${alert.errors} of ${alert.requests} model calls of ${scope} failed ` +
          `(${formatPercent(alert.errorRate)}, usually ${formatPercent(alert.baselineRate)}).`,
        facts: [
          { label: 'Error rate', value: formatPercent(alert.errorRate) },
          { label: 'Usual', value: formatPercent(alert.baselineRate) },
          { label: 'Failed calls', value: `${alert.errors} of ${alert.requests}` },
          ...common,
        ],
        severity: 'critical',
      };
    case 'trace_failures': {
      const byFlag = Object.entries(alert.flags)
        .sort(([a, x], [b, y]) => (y ?? 0) - (x ?? 0) || a.localeCompare(b))
        .map(([flag, count]) => `${flag.replace(/_/g, ' ')} ${count}`)
        .join(', ');
      return {
        title: 'Failing traces',
        summary:
          `${alert.flagged} of ${alert.traces} traces of ${scope} were flagged ` +
          `(${formatPercent(alert.flaggedRate)})${byFlag ? `: ${byFlag}` : ''}.`,
        facts: [
          { label: 'Flagged', value: `${alert.flagged} of ${alert.traces} (${formatPercent(alert.flaggedRate)})` },
          { label: 'Flags', value: byFlag || 'none', wide: true },
          { label: 'Traces to open', value: alert.examples.join(', ') || 'none', wide: true },
          ...common,
        ],
        severity: 'warning',
      };
    }
    case 'unpriced':
      return {
        title: 'Unpriced usage',
        summary:
          `${alert.records} usage record${alert.records === 1 ? '' : 's'} of ${scope} could not be priced: ` +
          `its spend is incomplete until a price is added.`,
        facts: [
          { label: 'Records', value: String(alert.records) },
          { label: 'Models', value: alert.models.join(', ') || 'unknown' },
          ...common,
        ],
        severity: 'info',
      };
    case 'reconciliation':
      return {
        title: alert.direction === 'unrecorded' ? 'Provider billed more than was recorded' : 'Recorded spend above the provider bill',
        summary:
          alert.direction === 'unrecorded'
            ? `${alert.provider} billed ${formatMoney(alert.billed)} on ${alert.day} (UTC), ${formatMoney(alert.difference)} more than ` +
              `the ${formatMoney(alert.recorded)} recorded: some callers bypass instrumentation.`
            : `${formatMoney(alert.recorded)} was recorded for ${alert.provider} on ${alert.day} (UTC), ${formatMoney(alert.difference)} ` +
              `more than the ${formatMoney(alert.billed)} it billed: wrong prices, duplicates or failed calls counted.`,
        facts: [
          { label: 'Provider', value: alert.provider },
          { label: 'Day (UTC)', value: alert.day },
          { label: 'Billed', value: formatMoney(alert.billed) },
          { label: 'Recorded', value: formatMoney(alert.recorded) },
          { label: alert.direction === 'unrecorded' ? 'Unrecorded' : 'Overrecorded', value: formatMoney(alert.difference) },
          ...common,
        ],
        severity: 'warning',
      };
    case 'audit_integrity': {
      // The position and the failed check, never the event's content: the channel may be read by people the event is not for.
      const detected = localParts(alert.detectedAt, 'UTC');
      return {
        title: 'Audit log tampering detected',
        summary:
          `LLMLab's audit verification found the event store changed at position ${alert.position}: ` +
          `${INTEGRITY_CHECKS[alert.reason]}. No tree head is signed until an operator has restored the store and closed the incident.`,
        facts: [
          { label: 'Position', value: String(alert.position) },
          { label: 'Check failed', value: alert.reason },
          { label: 'Detected', value: `${detected.date} ${detected.time} UTC` },
          { label: 'Finding', value: alert.detail, wide: true },
          { label: 'Organization', value: alert.organization.name },
        ],
        severity: 'critical',
      };
    }
    default:
      return assertNever(alert);
  }
}
