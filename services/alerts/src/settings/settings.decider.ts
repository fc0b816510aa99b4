import { DEFAULT_ALERT_RULES, DEFAULT_ALERT_TIME_ZONE, type AlertRuleSettings, type AlertSettingsEvent } from '@llmlab/contracts';
import { isValidTimeZone } from '@llmlab/spend-analytics';
import { assertUnreachable, type Decider, FieldErrors, Money } from '@llmlab/domain';
import { isRecord } from '../shared/validation';
import { invalidSettings } from './settings.errors';

export type SettingsCommand = {
  type: 'UpdateSettings';
  data: { organizationId: string; actorId: string; at: string; timeZone?: unknown; rules?: unknown };
};

export interface SettingsState {
  organizationId: string | null;
  timeZone: string;
  rules: AlertRuleSettings;
  updatedAt: string | null;
}

const initialState = (): SettingsState => ({
  organizationId: null,
  timeZone: DEFAULT_ALERT_TIME_ZONE,
  rules: DEFAULT_ALERT_RULES,
  updatedAt: null,
});

type FieldRule = (value: unknown) => string | null;

const boolean: FieldRule = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const number =
  (min: number, max: number, integer = false): FieldRule =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v))
      ? null
      : `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
const positiveDecimal: FieldRule = (v) =>
  typeof v === 'string' && /^\d{1,16}(\.\d{1,12})?$/.test(v) && new Money(v).gt(0) ? null : 'must be a positive decimal string';

/** Every setting a patch may change, with its rule: anything else in a patch is refused by name. */
const RULE_FIELDS: { [K in keyof AlertRuleSettings]: { [F in keyof AlertRuleSettings[K]]: FieldRule } } = {
  threshold: { enabled: boolean },
  forecast: { enabled: boolean, percent: number(1, 1000) },
  anomaly: { enabled: boolean, sensitivity: number(1, 50), minIncrease: positiveDecimal, cooldownMinutes: number(0, 10_080, true) },
  errorRate: {
    enabled: boolean,
    minErrorRatePercent: number(0.1, 100),
    minRequests: number(1, 1_000_000, true),
    cooldownMinutes: number(0, 10_080, true),
  },
  traceFailures: {
    enabled: boolean,
    minFlaggedPercent: number(0.1, 100),
    minTraces: number(1, 1_000_000, true),
    cooldownMinutes: number(0, 10_080, true),
  },
  unpriced: { enabled: boolean },
  reconciliation: { enabled: boolean, threshold: positiveDecimal },
};

/** Stored rules with the defaults of rules added in a later release (settings saved before them lack them). */
export function withDefaultRules(stored: Partial<AlertRuleSettings>): AlertRuleSettings {
  const merged = structuredClone(DEFAULT_ALERT_RULES) as unknown as Record<string, Record<string, unknown>>;
  for (const [rule, fields] of Object.entries(stored)) if (merged[rule]) Object.assign(merged[rule], fields);
  return merged as unknown as AlertRuleSettings;
}

function applyPatch(errors: FieldErrors, rules: AlertRuleSettings, patch: unknown): AlertRuleSettings {
  if (!isRecord(patch)) {
    errors.add('/rules', 'must be an object');
    return rules;
  }
  const next = structuredClone(rules) as unknown as Record<string, Record<string, unknown>>;
  for (const [rule, fields] of Object.entries(patch)) {
    const known = (RULE_FIELDS as unknown as Record<string, Record<string, FieldRule>>)[rule];
    if (!known) {
      errors.add(`/rules/${rule}`, 'is not a rule');
      continue;
    }
    if (!isRecord(fields)) {
      errors.add(`/rules/${rule}`, 'must be an object');
      continue;
    }
    for (const [field, value] of Object.entries(fields)) {
      const check = known[field];
      const problem = check ? check(value) : 'is not a setting of this rule';
      if (problem) errors.add(`/rules/${rule}/${field}`, problem);
      else next[rule][field] = value;
    }
  }
  return next as unknown as AlertRuleSettings;
}

function decide(command: SettingsCommand, state: SettingsState): AlertSettingsEvent[] {
  switch (command.type) {
    case 'UpdateSettings': {
      const { organizationId, actorId, at } = command.data;
      const errors = new FieldErrors();
      let timeZone = state.timeZone;
      if (command.data.timeZone !== undefined) {
        if (typeof command.data.timeZone !== 'string' || !isValidTimeZone(command.data.timeZone)) {
          errors.add('/timeZone', 'must be an IANA time zone, e.g. Europe/Paris');
        } else timeZone = command.data.timeZone;
      }
      const rules = command.data.rules === undefined ? state.rules : applyPatch(errors, state.rules, command.data.rules);
      if (!errors.empty) throw invalidSettings(errors.errors);
      if (timeZone === state.timeZone && JSON.stringify(rules) === JSON.stringify(state.rules)) return [];
      return [{ type: 'AlertSettingsUpdated', data: { organizationId, timeZone, rules, updatedBy: actorId, updatedAt: at } }];
    }
    default:
      return assertUnreachable(command.type);
  }
}

function evolve(_state: SettingsState, event: AlertSettingsEvent): SettingsState {
  switch (event.type) {
    case 'AlertSettingsUpdated':
      return {
        organizationId: event.data.organizationId,
        timeZone: event.data.timeZone,
        rules: withDefaultRules(event.data.rules),
        updatedAt: event.data.updatedAt,
      };
    default:
      return assertUnreachable(event.type);
  }
}

export const settingsDecider: Decider<SettingsCommand, AlertSettingsEvent, SettingsState> = { decide, evolve, initialState };
