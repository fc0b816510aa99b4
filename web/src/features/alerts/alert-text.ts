import type { Schemas } from '../../shared/api/schema';
import { formatMoney } from '../../shared/money';

type Alert = Schemas['AlertDto'];

const KINDS: Record<Alert['kind'], string> = {
  threshold: 'Budget threshold',
  forecast: 'Budget forecast',
  anomaly: 'Spend anomaly',
  error_rate: 'Error rate',
  trace_failures: 'Failing traces',
  unpriced: 'Unpriced usage',
  reconciliation: 'Reconciliation',
  audit_integrity: 'Audit log tampering',
};

/** Every kind with its label, in the order the filters list them. */
export const ALERT_KIND_OPTIONS = Object.entries(KINDS).map(([value, label]) => ({ value, label }));

export function alertKind(alert: Alert): string {
  return KINDS[alert.kind];
}

/** One line that says what happened, from the alert's notification. */
export function alertSummary(alert: Alert): string {
  const n = alert.notification;
  switch (alert.kind) {
    case 'threshold':
      return `${n.spend ? formatMoney(n.spend) : ''} spent: ${n.percentage}% of ${n.budget ? formatMoney(n.budget) : 'the budget'} (threshold ${n.threshold}%)`;
    case 'forecast':
      return `Projected ${n.projected ? formatMoney(n.projected) : ''}, ${n.percentage}% of ${n.budget ? formatMoney(n.budget) : 'the budget'}`;
    case 'anomaly':
      return `${n.spend ? formatMoney(n.spend) : ''} against a usual ${n.baseline ? formatMoney(n.baseline) : ''}`;
    case 'error_rate':
      return `${n.errors} errors in ${n.requests} requests (${n.errorRate}%, usually ${n.baselineRate}%)`;
    case 'trace_failures': {
      const flags = Object.entries(n.flags ?? {})
        .map(([flag, count]) => `${flag.replace(/_/g, ' ')} ${count}`)
        .join(', ');
      return `${n.flagged} of ${n.traces} traces flagged (${n.flaggedRate}%)${flags ? `: ${flags}` : ''}`;
    }
    case 'unpriced':
      return `${n.records} records without a price${n.models?.length ? `: ${n.models.join(', ')}` : ''}`;
    case 'reconciliation':
      return `${n.provider} on ${n.day} (UTC): billed ${n.billed ? formatMoney(n.billed) : ''}, recorded ${n.recorded ? formatMoney(n.recorded) : ''} (${n.direction} ${n.difference ? formatMoney(n.difference) : ''})`;
    case 'audit_integrity':
      return `The event store changed at position ${n.position} (${n.reason}): ${n.detail}`;
  }
}
