import { ALERT_DELIVERY_SUBJECT, alertsStreams, alertsSubjects, deliveryId, DEFAULT_ALERT_RULES, DEFAULT_BUDGET_THRESHOLDS } from './index';

describe('alerts contracts', () => {
  it('names streams `alerts.<aggregate>-<id>` and deliveries `<alertId>:<channelId>`', () => {
    expect(alertsStreams.budget('b1')).toBe('alerts.budget-b1');
    expect(alertsStreams.settings('o1')).toBe('alerts.settings-o1');
    expect(alertsStreams.alert('a1')).toBe('alerts.alert-a1');
    expect(alertsStreams.delivery(deliveryId('a1', 'c1'))).toBe('alerts.delivery-a1:c1');
  });

  it('declares request/reply subjects as alerts.cmd.* and alerts.query.*, once each, apart from the delivery jobs', () => {
    const names = Object.values(alertsSubjects).map((subject) => subject.subject);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^alerts\.(cmd|query)\.[a-z-]+$/);
    expect(ALERT_DELIVERY_SUBJECT.startsWith('alerts.deliveries.')).toBe(true);
  });

  it('turns every rule on by default, with thresholds at 50, 80 and 100 %', () => {
    expect(Object.values(DEFAULT_ALERT_RULES).every((rule) => rule.enabled)).toBe(true);
    expect(DEFAULT_BUDGET_THRESHOLDS).toEqual([50, 80, 100]);
  });
});
