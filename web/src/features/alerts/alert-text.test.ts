import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../shared/api/schema';
import { ALERT_KIND_OPTIONS, alertKind, alertSummary } from './alert-text';

const base = {
  id: '0192f3a1-0000-7000-8000-0000000000a1',
  organizationId: '0192f3a1-0000-7000-8000-000000000001',
  state: 'firing',
  budgetId: null,
  scope: { type: 'project', description: 'project support-agent', projectId: '0192f3a1-0000-7000-8000-0000000000aa' },
  firedAt: '2025-06-18T09:15:00.000Z',
  acknowledgedAt: null,
  resolvedAt: null,
  resolution: null,
} as const;

describe('alert text', () => {
  it('lists every kind the API has in the filter, failing traces, reconciliation and audit tampering included', () => {
    expect(ALERT_KIND_OPTIONS.map((o) => o.value)).toEqual([
      'threshold',
      'forecast',
      'anomaly',
      'error_rate',
      'trace_failures',
      'unpriced',
      'reconciliation',
      'audit_integrity',
    ]);
  });

  it('says how many traces failed and with which flags', () => {
    const alert = {
      ...base,
      kind: 'trace_failures',
      notification: {
        traces: 40,
        flagged: 14,
        flaggedRate: '35.00',
        flags: { tool_loop: 9, error: 6 },
        examples: ['4bf92f3577b34da6a3ce929d0e0e4736'],
      },
    } as unknown as Schemas['AlertDto'];
    expect(alertKind(alert)).toBe('Failing traces');
    expect(alertSummary(alert)).toBe('14 of 40 traces flagged (35.00%): tool loop 9, error 6');
  });

  it('says where the audit service found the event store changed, and which check failed', () => {
    const alert = {
      ...base,
      kind: 'audit_integrity',
      scope: { type: 'organization', description: 'organization Acme' },
      notification: {
        position: 1042,
        reason: 'anchor_changed',
        detail: 'event 1042 is no longer the event the audit tree recorded: the store was rewritten from there on',
        detectedAt: '2025-06-18T09:14:58.120Z',
      },
    } as unknown as Schemas['AlertDto'];
    expect(alertKind(alert)).toBe('Audit log tampering');
    expect(alertSummary(alert)).toBe(
      'The event store changed at position 1042 (anchor_changed): event 1042 is no longer the event the audit tree recorded: the store was rewritten from there on',
    );
  });
});
