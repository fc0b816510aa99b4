import { DEFAULT_ALERT_RULES, type AlertRuleSettings, type AlertRuleSettingsPatch } from '@llmlab/contracts';
import { periodContaining, robustBaseline, type DailySpend, type HourlySpend } from '@llmlab/spend-analytics';
import { syntheticHourlySpend, TYPICAL } from '@llmlab/testing';
import { budgetStatus, type BudgetFacts } from '../budgets/budget-status';
import { decideAlerts, decideResolution, ruleKeys, type AlertCandidate, type OpenAlert, type RuleObservation } from './alert-rules.decider';
import { Money } from '@llmlab/domain';

const ORG = '0192f3a1-0000-7000-8000-000000000001';
const PROJECT = '0192f3a1-0000-7000-8000-0000000000aa';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function rulesWith(patch: AlertRuleSettingsPatch = {}): AlertRuleSettings {
  const rules = structuredClone(DEFAULT_ALERT_RULES) as unknown as Record<string, Record<string, unknown>>;
  for (const [rule, fields] of Object.entries(patch)) Object.assign(rules[rule], fields);
  return rules as unknown as AlertRuleSettings;
}

/** `given(what fired before).when(what was observed).then(alerts to fire)`. */
function given(state: { rules?: AlertRuleSettingsPatch; fired?: string[]; lastFiredAt?: Date } = {}) {
  const ruleState = { rules: rulesWith(state.rules), fired: new Set(state.fired ?? []), lastFiredAt: state.lastFiredAt ?? null };
  return {
    when(observation: RuleObservation) {
      const run = () => decideAlerts(observation, ruleState);
      return {
        then(expected: Partial<AlertCandidate>[]) {
          expect(run()).toEqual(expected.map((e) => expect.objectContaining(e)));
        },
        thenNothing() {
          expect(run()).toEqual([]);
        },
      };
    },
  };
}

const budget: BudgetFacts = {
  id: '0192f3a1-0000-7000-8000-0000000000bb',
  organizationId: ORG,
  name: 'Checkout',
  scope: { type: 'project', projectId: PROJECT },
  period: 'monthly',
  amount: { amount: '1000', currency: 'USD' },
  thresholds: [50, 80, 100],
  enforce: false,
  timeZone: 'Europe/Paris',
};
const now = new Date('2025-06-18T09:15:00Z');
const period = periodContaining(now, 'monthly', 'Europe/Paris');
const steadyHistory = (perDay: string): DailySpend[] =>
  Array.from({ length: 14 }, (_, d) => ({ date: new Date(Date.UTC(2025, 5, 17 - d)).toISOString().slice(0, 10), amount: perDay }));

function observeBudget(spend: string, history: DailySpend[] = [], facts: BudgetFacts = budget): RuleObservation {
  return { rule: 'budget', budget: facts, status: budgetStatus({ budget: facts, period, spend, history, unpricedRecords: 0, now }), now };
}

const thresholdKey = (t: number) => ruleKeys.threshold(budget.id, period.key, t);

// The forecast rule is off here: with no history, a period's own run rate projects these spends past the budget.
describe('budget thresholds', () => {
  it('fires the highest threshold reached, keyed by budget, period and threshold', () => {
    given({ rules: { forecast: { enabled: false } } })
      .when(observeBudget('812.4'))
      .then([
        {
          ruleKey: `threshold:${budget.id}:monthly:2025-06-01:80`,
          budgetId: budget.id,
          periodKey: 'monthly:2025-06-01',
          threshold: 80,
          period: { unit: 'monthly', start: '2025-05-31T22:00:00.000Z', end: '2025-06-30T22:00:00.000Z', timeZone: 'Europe/Paris' },
          facts: {
            kind: 'threshold',
            spend: { amount: '812.400000000000', currency: 'USD' },
            budget: budget.amount,
            percentage: '81.24',
            threshold: '80',
          },
        },
      ]);
  });

  it('fires each threshold once per period: not again, and not below one that fired', () => {
    given({ rules: { forecast: { enabled: false } }, fired: [thresholdKey(80)] })
      .when(observeBudget('812.4'))
      .thenNothing();
    given({ rules: { forecast: { enabled: false } }, fired: [thresholdKey(100)] })
      .when(observeBudget('999'))
      .thenNothing();
    given({ rules: { forecast: { enabled: false } }, fired: [thresholdKey(50)] })
      .when(observeBudget('812.4'))
      .then([{ threshold: 80 }]);
    given({ rules: { forecast: { enabled: false } }, fired: [thresholdKey(80)] })
      .when(observeBudget('1000'))
      .then([{ threshold: 100 }]);
  });

  it('stays silent below the first threshold, and when the rule is off', () => {
    given({ rules: { forecast: { enabled: false } } })
      .when(observeBudget('499.999999'))
      .thenNothing();
    given({ rules: { threshold: { enabled: false }, forecast: { enabled: false } } })
      .when(observeBudget('900'))
      .thenNothing();
  });
});

describe('forecast overrun', () => {
  it('fires once when the projection passes the budget before the spend does, carrying the projection', () => {
    // 40 a day for two weeks, 600 spent by the 18th: about 600 + 40 × 12.6 ≈ 1,104 by the end of June.
    const observation = observeBudget('600', steadyHistory('40'));
    given({ rules: { threshold: { enabled: false } } })
      .when(observation)
      .then([
        {
          ruleKey: `forecast:${budget.id}:monthly:2025-06-01`,
          threshold: null,
          facts: expect.objectContaining({
            kind: 'forecast',
            spend: { amount: '600.000000000000', currency: 'USD' },
            budget: budget.amount,
          }),
        },
      ]);
    const [candidate] = decideAlerts(observation, {
      rules: rulesWith({ threshold: { enabled: false } }),
      fired: new Set(),
      lastFiredAt: null,
    });
    const facts = candidate.facts as Extract<AlertCandidate['facts'], { kind: 'forecast' }>;
    expect(Number(facts.projected.amount)).toBeCloseTo(
      600 + 40 * ((DAY * 13 - (now.getTime() - Date.parse('2025-06-17T22:00:00Z'))) / DAY),
      6,
    );
    expect(facts.percentage).toBe(new Money(facts.projected.amount).div(10).toDecimalPlaces(2).toFixed(2));
    given({ rules: { threshold: { enabled: false } }, fired: [candidate.ruleKey] })
      .when(observation)
      .thenNothing();
  });

  it('stays silent on a projection under the rule percent, on one made from nothing but the spend so far, and once the budget is spent', () => {
    given({ rules: { threshold: { enabled: false }, forecast: { percent: 120 } } })
      .when(observeBudget('600', steadyHistory('40')))
      .thenNothing();
    given({ rules: { threshold: { enabled: false } } })
      .when(observeBudget('600', steadyHistory('20')))
      .thenNothing();
    const firstHours = new Date('2025-05-31T23:00:00Z');
    const early: RuleObservation = {
      rule: 'budget',
      budget,
      status: budgetStatus({ budget, period, spend: '900', history: [], unpricedRecords: 0, now: firstHours }),
      now: firstHours,
    };
    given({ rules: { threshold: { enabled: false } } })
      .when(early)
      .thenNothing();
    given({ rules: { threshold: { enabled: false } } })
      .when(observeBudget('1000.01', steadyHistory('40')))
      .thenNothing();
  });
});

describe('spend anomaly on a series with daily seasonality', () => {
  // Seed 1 of the library's test series: 2/h at night to 20/h at 14:00, weekends × 0.6, log-normal noise.
  const series = syntheticHourlySpend({ ...TYPICAL, seed: 1 });
  const at = (day: number, hour: number) => new Date(TYPICAL.start.getTime() + day * DAY + hour * HOUR);
  const valueAt = (t: Date) => series.find((p) => p.hourStart.getTime() === t.getTime())!.amount;
  const usual = (t: Date) => robustBaseline(Array.from({ length: 14 }, (_, d) => valueAt(new Date(t.getTime() - (d + 1) * DAY)))).median;
  const observe = (
    hourStart: Date,
    amount: string,
    history: HourlySpend[] = series,
    observedAt = new Date(hourStart.getTime() + 30 * 60_000),
  ): RuleObservation => ({
    rule: 'anomaly',
    organizationId: ORG,
    scope: { type: 'project', projectId: PROJECT },
    hourStart,
    amount,
    history: history.filter((p) => p.hourStart < hourStart),
    timeZone: 'UTC',
    now: observedAt,
  });
  // Wednesday 18 June 2025, third week: fifteen days of history behind it.
  const peak = at(16, 14);
  const night = at(16, 3);

  it('stays silent on the normal daily peak and on a normal night', () => {
    expect(Number(valueAt(peak))).toBeGreaterThan(5 * Number(valueAt(night)));
    given()
      .when(observe(peak, valueAt(peak)))
      .thenNothing();
    given()
      .when(observe(night, valueAt(night)))
      .thenNothing();
  });

  it('fires on five times the usual spend of the hour, at the peak and at night', () => {
    const spike = new Money(usual(peak)).times(5).toFixed(2);
    given()
      .when(observe(peak, spike))
      .then([
        {
          ruleKey: `anomaly:${ORG}:project:${PROJECT}:${peak.toISOString()}`,
          period: { unit: 'hourly', start: peak.toISOString(), end: new Date(peak.getTime() + HOUR).toISOString(), timeZone: 'UTC' },
          facts: expect.objectContaining({
            kind: 'anomaly',
            spend: { amount: new Money(spike).toFixed(12), currency: 'USD' },
            baseline: { amount: new Money(usual(peak)).toFixed(12), currency: 'USD' },
          }),
        },
      ]);
    given()
      .when(observe(night, new Money(usual(night)).times(5).toFixed(2)))
      .then([{ periodKey: night.toISOString() }]);
  });

  it('repeats only after the cooldown, never for the same hour, and not without a week of history', () => {
    const spike = new Money(usual(peak)).times(5).toFixed(2);
    given({ lastFiredAt: new Date(peak.getTime() - 3 * HOUR) })
      .when(observe(peak, spike))
      .thenNothing();
    given({ lastFiredAt: new Date(peak.getTime() - 4 * HOUR) })
      .when(observe(peak, spike))
      .then([{ periodKey: peak.toISOString() }]);
    given({ fired: [ruleKeys.anomaly(ORG, { type: 'project', projectId: PROJECT }, peak)] })
      .when(observe(peak, spike))
      .thenNothing();
    const sixDays = series.filter((p) => p.hourStart >= new Date(peak.getTime() - 6 * DAY - HOUR));
    given()
      .when(observe(peak, spike, sixDays))
      .thenNothing();
    given({ rules: { anomaly: { enabled: false } } })
      .when(observe(peak, spike))
      .thenNothing();
  });
});

describe('error-rate spike', () => {
  const hourStart = new Date('2025-06-18T09:00:00Z');
  const observe = (requests: number, errors: number, observedAt = new Date('2025-06-18T09:20:00Z')): RuleObservation => ({
    rule: 'error_rate',
    organizationId: ORG,
    scope: { type: 'organization' },
    hourStart,
    current: { requests, errors },
    baseline: { requests: 10_000, errors: 100 },
    timeZone: 'UTC',
    now: observedAt,
  });

  it('fires when the hour fails far more often than the week before, with the rates in percent', () => {
    given()
      .when(observe(200, 40))
      .then([
        {
          ruleKey: `error_rate:${ORG}:organization:${hourStart.toISOString()}`,
          facts: { kind: 'error_rate', requests: 200, errors: 40, errorRate: '20.00', baselineRate: '1.00' },
        },
      ]);
  });

  it('stays silent on a usual rate, on too few calls, within the cooldown, and below the organization floor', () => {
    given().when(observe(200, 3)).thenNothing();
    given().when(observe(20, 10)).thenNothing();
    given({ lastFiredAt: new Date('2025-06-18T08:30:00Z') })
      .when(observe(200, 40))
      .thenNothing();
    given({ rules: { errorRate: { minErrorRatePercent: 25 } } })
      .when(observe(200, 40))
      .thenNothing();
  });
});

describe('failing traces', () => {
  const hourStart = new Date('2025-06-18T09:00:00Z');
  const scope = { type: 'project' as const, projectId: PROJECT };
  const observe = (traces: number, flagged: number, observedAt = new Date('2025-06-18T09:20:00Z')): RuleObservation => ({
    rule: 'trace_failures',
    organizationId: ORG,
    scope,
    hourStart,
    outcomes: { traces, flagged, flags: { tool_loop: flagged, error: 1 }, examples: ['4bf92f3577b34da6a3ce929d0e0e4736'] },
    timeZone: 'UTC',
    now: observedAt,
  });

  it("fires when a fifth (the default) of the project's traces evaluated in the hour were flagged, with the figures", () => {
    given()
      .when(observe(30, 6))
      .then([
        {
          ruleKey: `trace_failures:${ORG}:project:${PROJECT}:${hourStart.toISOString()}`,
          scope,
          period: { unit: 'hourly', start: hourStart.toISOString(), end: '2025-06-18T10:00:00.000Z', timeZone: 'UTC' },
          facts: {
            kind: 'trace_failures',
            traces: 30,
            flagged: 6,
            flaggedRate: '20.00',
            flags: { tool_loop: 6, error: 1 },
            examples: ['4bf92f3577b34da6a3ce929d0e0e4736'],
          },
        },
      ]);
  });

  it('stays silent below the rate, on too few traces, within the cooldown, for an hour that fired, and when off', () => {
    given().when(observe(30, 5)).thenNothing();
    given().when(observe(9, 9)).thenNothing();
    given({ rules: { traceFailures: { minTraces: 5 } } })
      .when(observe(9, 9))
      .then([{ facts: expect.objectContaining({ flaggedRate: '100.00' }) }]);
    given({ lastFiredAt: new Date('2025-06-18T08:30:00Z') })
      .when(observe(30, 12))
      .thenNothing();
    given({ lastFiredAt: new Date('2025-06-18T08:10:00Z') })
      .when(observe(30, 12))
      .then([{ facts: expect.objectContaining({ flagged: 12 }) }]);
    given({ fired: [`trace_failures:${ORG}:project:${PROJECT}:${hourStart.toISOString()}`] })
      .when(observe(30, 12))
      .thenNothing();
    given({ rules: { traceFailures: { enabled: false } } })
      .when(observe(30, 12))
      .thenNothing();
    given({ rules: { traceFailures: { minFlaggedPercent: 50 } } })
      .when(observe(30, 12))
      .thenNothing();
  });
});

describe('unpriced usage', () => {
  const day = { key: 'daily:2025-06-18', start: new Date('2025-06-18T00:00:00Z'), end: new Date('2025-06-19T00:00:00Z'), timeZone: 'UTC' };
  const observe = (records: number): RuleObservation => ({
    rule: 'unpriced',
    organizationId: ORG,
    day,
    records,
    models: ['zeta/z-1', 'acme/a-2'],
    now,
  });

  it('fires once per local day when unpriced records appear, naming their models', () => {
    given()
      .when(observe(3))
      .then([
        {
          ruleKey: `unpriced:${ORG}:daily:2025-06-18`,
          scope: { type: 'organization' },
          facts: { kind: 'unpriced', records: 3, models: ['acme/a-2', 'zeta/z-1'] },
        },
      ]);
    given({ fired: [`unpriced:${ORG}:daily:2025-06-18`] })
      .when(observe(5))
      .thenNothing();
    given().when(observe(0)).thenNothing();
    given({ rules: { unpriced: { enabled: false } } })
      .when(observe(3))
      .thenNothing();
  });
});

describe('reconciliation', () => {
  const observe = (billed: string, recorded: string, provider = 'openai'): RuleObservation => ({
    rule: 'reconciliation',
    organizationId: ORG,
    provider,
    day: '2025-06-17',
    direction: 'unrecorded',
    recorded: { amount: recorded, currency: 'USD' },
    billed: { amount: billed, currency: 'USD' },
    now,
  });
  const unrecordedKey = `reconciliation:${ORG}:openai:2025-06-17:unrecorded`;

  it('fires once per provider, UTC day and direction when the difference exceeds the threshold, exactly', () => {
    given()
      .when(observe('58.9', '41.25'))
      .then([
        {
          ruleKey: unrecordedKey,
          scope: { type: 'organization' },
          periodKey: 'openai:2025-06-17:unrecorded',
          period: { unit: 'daily', start: '2025-06-17T00:00:00.000Z', end: '2025-06-18T00:00:00.000Z', timeZone: 'UTC' },
          facts: {
            kind: 'reconciliation',
            provider: 'openai',
            day: '2025-06-17',
            direction: 'unrecorded',
            recorded: { amount: '41.25', currency: 'USD' },
            billed: { amount: '58.9', currency: 'USD' },
            difference: { amount: '17.650000000000', currency: 'USD' },
          },
        },
      ]);
    given({ fired: [unrecordedKey] })
      .when(observe('90', '41.25'))
      .thenNothing();
    // Another provider, or the other direction, is another alert.
    given({ fired: [unrecordedKey] })
      .when(observe('90', '41.25', 'anthropic'))
      .then([{ ruleKey: `reconciliation:${ORG}:anthropic:2025-06-17:unrecorded` }]);
    given({ fired: [unrecordedKey] })
      .when(observe('1.5', '41.25'))
      .then([
        { ruleKey: `reconciliation:${ORG}:openai:2025-06-17:overrecorded`, facts: expect.objectContaining({ direction: 'overrecorded' }) },
      ]);
  });

  it('stays quiet at or under the threshold (default 10 USD) and when the rule is off', () => {
    given().when(observe('51.25', '41.25')).thenNothing();
    given()
      .when(observe('51.250000000001', '41.25'))
      .then([{ ruleKey: unrecordedKey }]);
    given({ rules: { reconciliation: { threshold: '100' } } })
      .when(observe('58.9', '41.25'))
      .thenNothing();
    given({ rules: { reconciliation: { threshold: '0.01' } } })
      .when(observe('41.27', '41.25'))
      .then([{ ruleKey: unrecordedKey }]);
    given({ rules: { reconciliation: { enabled: false } } })
      .when(observe('58.9', '41.25'))
      .thenNothing();
  });
});

describe('audit integrity', () => {
  const detectedAt = '2025-06-18T09:14:58.120Z';
  const observe = (position = 1042, at = detectedAt): RuleObservation => ({
    rule: 'audit_integrity',
    organizationId: ORG,
    position,
    reason: 'anchor_changed',
    detail: `event ${position} is no longer the event the audit tree recorded: the store was rewritten from there on`,
    detectedAt: at,
  });
  const key = `audit_integrity:${ORG}:1042:${detectedAt}`;
  const everyRuleOff: AlertRuleSettingsPatch = Object.fromEntries(
    Object.keys(DEFAULT_ALERT_RULES).map((rule) => [rule, { enabled: false }]),
  );

  it('fires once per incident (organization, position, time found) to the organization, naming the position and the check', () => {
    given()
      .when(observe())
      .then([
        {
          ruleKey: key,
          budgetId: null,
          scope: { type: 'organization' },
          periodKey: `1042:${detectedAt}`,
          period: { unit: 'window', start: detectedAt, end: detectedAt, timeZone: 'UTC' },
          threshold: null,
          facts: {
            kind: 'audit_integrity',
            position: 1042,
            reason: 'anchor_changed',
            detail: 'event 1042 is no longer the event the audit tree recorded: the store was rewritten from there on',
            detectedAt,
          },
        },
      ]);
    expect(ruleKeys.auditIntegrity(ORG, 1042, detectedAt)).toBe(key);
    // The same incident again (a redelivery) fires nothing; another position, or the same one found again after an
    // operator closed the incident, is another alert.
    given({ fired: [key] })
      .when(observe())
      .thenNothing();
    given({ fired: [key] })
      .when(observe(1043))
      .then([{ ruleKey: `audit_integrity:${ORG}:1043:${detectedAt}` }]);
    given({ fired: [key] })
      .when(observe(1042, '2025-06-19T00:00:00.000Z'))
      .then([{ ruleKey: `audit_integrity:${ORG}:1042:2025-06-19T00:00:00.000Z` }]);
  });

  it('cannot be switched off: every rule of the settings off, it still fires', () => {
    given({ rules: everyRuleOff })
      .when(observe())
      .then([{ ruleKey: key }]);
  });
});

describe('resolution', () => {
  const status = (spend: string, history: DailySpend[] = []) => budgetStatus({ budget, period, spend, history, unpricedRecords: 0, now });
  const threshold = (t: number): OpenAlert => ({ kind: 'threshold', periodKey: period.key, periodEnd: period.end, threshold: t });
  const forecast: OpenAlert = { kind: 'forecast', periodKey: period.key, periodEnd: period.end, threshold: null };
  const onBudget = (s: ReturnType<typeof status> | null, firedThresholds: number[] = [], at = now) =>
    ({ about: 'budget', budget: s ? budget : null, status: s, firedThresholds, rules: DEFAULT_ALERT_RULES, now: at }) as const;

  it.each([
    ['keeps a threshold that still holds', threshold(80), onBudget(status('850'), [50, 80]), null],
    ['resolves a threshold a higher one superseded', threshold(80), onBudget(status('1001'), [80, 100]), 'superseded'],
    [
      'resolves a threshold the spend fell under (a correction, a raised amount)',
      threshold(80),
      onBudget(status('700'), [80]),
      'condition-cleared',
    ],
    ['resolves with the deleted budget', threshold(80), onBudget(null), 'budget-deleted'],
    ['resolves at the end of the period', threshold(80), onBudget(status('850'), [80], period.end), 'period-ended'],
    ['keeps a forecast still projected over', forecast, onBudget(status('600', steadyHistory('40'))), null],
    ['resolves a forecast no longer projected over', forecast, onBudget(status('600', steadyHistory('10'))), 'condition-cleared'],
    ['resolves a forecast that came true', forecast, onBudget(status('1000.5', steadyHistory('40'))), 'superseded'],
  ] as const)('%s', (_, alert, observation, expected) => {
    expect(decideResolution(alert, observation)).toBe(expected);
  });

  it('resolves a budget alert about a period the budget no longer has', () => {
    const weekly = { ...budget, period: 'weekly' as const };
    const weeklyStatus = budgetStatus({
      budget: weekly,
      period: periodContaining(now, 'weekly', 'Europe/Paris'),
      spend: '900',
      history: [],
      unpricedRecords: 0,
      now,
    });
    expect(
      decideResolution(threshold(80), {
        about: 'budget',
        budget: weekly,
        status: weeklyStatus,
        firedThresholds: [],
        rules: DEFAULT_ALERT_RULES,
        now,
      }),
    ).toBe('budget-changed');
  });

  it('resolves an hourly alert once its hour is over and the latest hour is normal', () => {
    const hourly: OpenAlert = { kind: 'anomaly', periodKey: 'h', periodEnd: new Date('2025-06-18T10:00:00Z'), threshold: null };
    expect(decideResolution(hourly, { about: 'hour', latestHourFires: false, now: new Date('2025-06-18T09:59:00Z') })).toBeNull();
    expect(decideResolution(hourly, { about: 'hour', latestHourFires: true, now: new Date('2025-06-18T11:10:00Z') })).toBeNull();
    expect(decideResolution(hourly, { about: 'hour', latestHourFires: false, now: new Date('2025-06-18T11:10:00Z') })).toBe(
      'condition-cleared',
    );
  });

  it('resolves unpriced usage once priced, or at the end of its day', () => {
    const unpriced: OpenAlert = {
      kind: 'unpriced',
      periodKey: 'daily:2025-06-18',
      periodEnd: new Date('2025-06-19T00:00:00Z'),
      threshold: null,
    };
    expect(decideResolution(unpriced, { about: 'unpriced', records: 2, now })).toBeNull();
    expect(decideResolution(unpriced, { about: 'unpriced', records: 0, now })).toBe('condition-cleared');
    expect(decideResolution(unpriced, { about: 'unpriced', records: 2, now: new Date('2025-06-19T00:00:00Z') })).toBe('period-ended');
  });
});
