import type { AlertEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { alertDecider, type AlertCommand } from './alert.decider';

const spec = deciderSpec(alertDecider);
const ORG = '0192f3a1-0000-7000-8000-000000000001';
const ALERT = '5b1c7a2e-0000-5000-8000-0000000000dd';
const at = '2025-06-18T09:00:00.000Z';

const firedData: Extract<AlertEvent, { type: 'AlertFired' }>['data'] = {
  alertId: ALERT,
  organizationId: ORG,
  kind: 'unpriced',
  ruleKey: `unpriced:${ORG}:daily:2025-06-18`,
  budgetId: null,
  scope: { type: 'organization' },
  periodKey: 'daily:2025-06-18',
  threshold: null,
  notification: {
    kind: 'unpriced',
    alertId: ALERT,
    organization: { id: ORG, name: 'Acme' },
    scope: { type: 'organization', description: 'organization Acme' },
    period: { unit: 'daily', start: '2025-06-18T00:00:00.000Z', end: '2025-06-19T00:00:00.000Z', timeZone: 'UTC' },
    link: 'https://app.example/orgs/x/alerts/y',
    firedAt: at,
    records: 3,
    models: ['acme/acme-llm-2'],
  },
  firedAt: at,
};
const fired: AlertEvent = { type: 'AlertFired', data: firedData };
const acknowledged: AlertEvent = {
  type: 'AlertAcknowledged',
  data: { alertId: ALERT, organizationId: ORG, acknowledgedBy: 'user:u1', acknowledgedAt: at },
};
const resolved: AlertEvent = {
  type: 'AlertResolved',
  data: { alertId: ALERT, organizationId: ORG, resolution: 'condition-cleared', resolvedAt: at },
};
const ack = (organizationId = ORG): AlertCommand => ({ type: 'AcknowledgeAlert', data: { organizationId, actorId: 'user:u1', at } });
const resolve: AlertCommand = { type: 'ResolveAlert', data: { organizationId: ORG, resolution: 'condition-cleared', at } };

describe('alert decider', () => {
  it('fires an alert once: its rule key names one stream', () => {
    spec.given([]).when({ type: 'FireAlert', data: firedData }).then([fired]);
    spec.given([fired]).when({ type: 'FireAlert', data: firedData }).thenThrows({ code: 'ALERT_ALREADY_FIRED' });
  });

  it('goes firing → acknowledged → resolved, each step once', () => {
    spec.given([fired]).when(ack()).then([acknowledged]);
    spec.given([fired, acknowledged]).when(ack()).thenNothing();
    spec.given([fired, acknowledged]).when(resolve).then([resolved]);
    spec.given([fired]).when(resolve).then([resolved]);
    spec.given([fired, resolved]).when(resolve).thenNothing();
  });

  it('refuses to acknowledge a resolved alert, and hides alerts of other organizations', () => {
    spec.given([fired, resolved]).when(ack()).thenThrows({ code: 'ALERT_ALREADY_RESOLVED' });
    spec.given([fired]).when(ack('0192f3a1-0000-7000-8000-000000000002')).thenThrows({ code: 'ALERT_NOT_FOUND' });
    spec.given([]).when(ack()).thenThrows({ code: 'ALERT_NOT_FOUND' });
  });
});
