import { DEFAULT_ALERT_RULES, type AlertSettingsEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { settingsDecider, type SettingsCommand } from './settings.decider';

const spec = deciderSpec(settingsDecider);
const ORG = '0192f3a1-0000-7000-8000-000000000001';
const at = '2025-06-18T09:00:00.000Z';
const update = (data: { timeZone?: unknown; rules?: unknown }): SettingsCommand => ({
  type: 'UpdateSettings',
  data: { organizationId: ORG, actorId: 'user:u1', at, ...data },
});

describe('alert settings decider', () => {
  it('starts from the defaults and records the settings as they are after a change', () => {
    spec
      .given([])
      .when(update({ timeZone: 'Asia/Kolkata', rules: { anomaly: { sensitivity: 8 }, unpriced: { enabled: false } } }))
      .then([
        {
          type: 'AlertSettingsUpdated',
          data: {
            organizationId: ORG,
            timeZone: 'Asia/Kolkata',
            rules: { ...DEFAULT_ALERT_RULES, anomaly: { ...DEFAULT_ALERT_RULES.anomaly, sensitivity: 8 }, unpriced: { enabled: false } },
            updatedBy: 'user:u1',
            updatedAt: at,
          },
        },
      ]);
  });

  it('records nothing when nothing changes', () => {
    spec
      .given([])
      .when(update({ timeZone: 'UTC', rules: { threshold: { enabled: true } } }))
      .thenNothing();
    const changed: AlertSettingsEvent = {
      type: 'AlertSettingsUpdated',
      data: { organizationId: ORG, timeZone: 'Europe/Paris', rules: DEFAULT_ALERT_RULES, updatedBy: 'user:u1', updatedAt: at },
    };
    spec
      .given([changed])
      .when(update({ timeZone: 'Europe/Paris' }))
      .thenNothing();
  });

  it('refuses unknown rules and settings, and values out of range, by name', () => {
    spec
      .given([])
      .when(
        update({
          timeZone: 42,
          rules: {
            sms: { enabled: true },
            forecast: { percent: 0, colour: 'red' },
            anomaly: { minIncrease: '-1', cooldownMinutes: 1.5 },
            errorRate: 'off',
          },
        }),
      )
      .thenThrows({
        code: 'ALERT_SETTINGS_INVALID',
        errors: [
          { field: '/timeZone', message: expect.any(String) },
          { field: '/rules/sms', message: 'is not a rule' },
          { field: '/rules/forecast/percent', message: 'must be a number from 1 to 1000' },
          { field: '/rules/forecast/colour', message: 'is not a setting of this rule' },
          { field: '/rules/anomaly/minIncrease', message: 'must be a positive decimal string' },
          { field: '/rules/anomaly/cooldownMinutes', message: 'must be an integer from 0 to 10080' },
          { field: '/rules/errorRate', message: 'must be an object' },
        ],
      });
  });

  it('has no switch for the audit integrity alert: a security alert every organization gets', () => {
    spec
      .given([])
      .when(update({ rules: { auditIntegrity: { enabled: false } } }))
      .thenThrows({ code: 'ALERT_SETTINGS_INVALID', errors: [{ field: '/rules/auditIntegrity', message: 'is not a rule' }] });
  });

  it('gives settings saved before a rule existed that rule with its defaults, and lets it be changed', () => {
    const { traceFailures: _added, ...before } = DEFAULT_ALERT_RULES;
    const saved = {
      type: 'AlertSettingsUpdated',
      data: { organizationId: ORG, timeZone: 'UTC', rules: before, updatedBy: 'user:u1', updatedAt: at },
    } as unknown as AlertSettingsEvent;
    spec
      .given([saved])
      .when(update({ rules: { traceFailures: { minTraces: 25 } } }))
      .then([
        {
          type: 'AlertSettingsUpdated',
          data: expect.objectContaining({
            rules: { ...DEFAULT_ALERT_RULES, traceFailures: { ...DEFAULT_ALERT_RULES.traceFailures, minTraces: 25 } },
          }),
        },
      ]);
    spec
      .given([])
      .when(update({ rules: { traceFailures: { minFlaggedPercent: 0, minTraces: 0.5 } } }))
      .thenThrows({
        code: 'ALERT_SETTINGS_INVALID',
        errors: [
          { field: '/rules/traceFailures/minFlaggedPercent', message: 'must be a number from 0.1 to 100' },
          { field: '/rules/traceFailures/minTraces', message: 'must be an integer from 1 to 1000000' },
        ],
      });
  });
});
