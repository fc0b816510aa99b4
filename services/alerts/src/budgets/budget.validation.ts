import {
  BUDGET_LIMITS,
  BUDGET_PERIODS,
  END_USER_PSEUDONYM,
  type BudgetPeriod,
  type BudgetScope,
  type MoneyAmount,
} from '@llmlab/contracts';
import { isValidTimeZone } from '@llmlab/spend-analytics';
import { isRecord } from '../shared/validation';
import { FieldErrors, isUuid, Money } from '@llmlab/domain';

/**
 * Field rules of budgets, shared by create and update. Each reader records what is wrong at its JSON pointer and
 * returns the normalised value (trimmed name, canonical amount, sorted thresholds).
 */

const AMOUNT = new RegExp(`^\\d{1,${BUDGET_LIMITS.maxAmountIntegerDigits}}(\\.\\d{1,${BUDGET_LIMITS.maxAmountFractionDigits}})?$`);

export function readName(errors: FieldErrors, name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed || trimmed.length > BUDGET_LIMITS.maxNameLength) {
    errors.add('/name', `must have 1 to ${BUDGET_LIMITS.maxNameLength} characters`);
  }
  return trimmed;
}

export function readPeriod(errors: FieldErrors, period: unknown): BudgetPeriod {
  if (!BUDGET_PERIODS.includes(period as BudgetPeriod)) errors.add('/period', `must be one of ${BUDGET_PERIODS.join(', ')}`);
  return period as BudgetPeriod;
}

/** Usage is accounted in USD only (the price data is in USD, rollups never mix currencies). */
export function readAmount(errors: FieldErrors, amount: unknown): MoneyAmount {
  if (!isRecord(amount)) {
    errors.add('/amount', 'must be { amount, currency }');
    return { amount: '0', currency: 'USD' };
  }
  const value = amount.amount;
  if (typeof value !== 'string' || !AMOUNT.test(value) || new Money(value).lte(0)) {
    errors.add(
      '/amount/amount',
      `must be a positive decimal string with at most ${BUDGET_LIMITS.maxAmountIntegerDigits} digits before the point and ${BUDGET_LIMITS.maxAmountFractionDigits} after`,
    );
  }
  if (amount.currency !== 'USD') errors.add('/amount/currency', 'must be USD, the currency usage is accounted in');
  return { amount: typeof value === 'string' && AMOUNT.test(value) ? new Money(value).toFixed() : '0', currency: 'USD' };
}

export function readThresholds(errors: FieldErrors, thresholds: unknown): number[] {
  if (!Array.isArray(thresholds) || thresholds.length === 0 || thresholds.length > BUDGET_LIMITS.maxThresholds) {
    errors.add('/thresholds', `must list 1 to ${BUDGET_LIMITS.maxThresholds} percents`);
    return [];
  }
  thresholds.forEach((t, i) => {
    if (!Number.isInteger(t) || (t as number) < 1 || (t as number) > BUDGET_LIMITS.maxThresholdPercent) {
      errors.add(`/thresholds/${i}`, `must be a whole percent from 1 to ${BUDGET_LIMITS.maxThresholdPercent}`);
    }
  });
  return [...new Set(thresholds as number[])].sort((a, b) => a - b);
}

export function readTimeZone(errors: FieldErrors, timeZone: unknown): string {
  if (typeof timeZone !== 'string' || !isValidTimeZone(timeZone)) errors.add('/timeZone', 'must be an IANA time zone, e.g. Europe/Paris');
  return timeZone as string;
}

export function readScope(errors: FieldErrors, scope: unknown): BudgetScope {
  if (!isRecord(scope)) {
    errors.add('/scope', 'must be an object with a type');
    return { type: 'organization' };
  }
  const text = (field: string, max: number): string => {
    const value = scope[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > max)
      errors.add(`/scope/${field}`, `must have 1 to ${max} characters`);
    return value as string;
  };
  switch (scope.type) {
    case 'organization':
      return { type: 'organization' };
    case 'project': {
      if (typeof scope.projectId !== 'string' || !isUuid(scope.projectId)) errors.add('/scope/projectId', 'must be a project id (UUID)');
      return { type: 'project', projectId: String(scope.projectId).toLowerCase() };
    }
    case 'tag':
      return { type: 'tag', key: text('key', BUDGET_LIMITS.maxTagKeyLength), value: text('value', BUDGET_LIMITS.maxTagValueLength) };
    case 'end_user': {
      const userId = text('userId', BUDGET_LIMITS.maxUserIdLength);
      // The ledgers' pseudonym of the id, which the gateway adds (ingestion keeps the key): the spend is keyed by it.
      if (scope.endUser === undefined) return { type: 'end_user', userId };
      if (typeof scope.endUser !== 'string' || !END_USER_PSEUDONYM.test(scope.endUser)) {
        errors.add('/scope/endUser', 'must be an end-user pseudonym (eu_ and 32 hex digits)');
      }
      return { type: 'end_user', userId, endUser: scope.endUser as string };
    }
    default:
      errors.add('/scope/type', 'must be organization, project, tag or end_user');
      return { type: 'organization' };
  }
}

/** `enforce`: a boolean, for a scope the proxy can tell from a call (an end user's is kept as a pseudonym it cannot make). */
export function readEnforce(errors: FieldErrors, enforce: unknown, scope: BudgetScope): boolean {
  if (typeof enforce !== 'boolean') {
    errors.add('/enforce', 'must be a boolean');
    return false;
  }
  if (enforce && scope.type === 'end_user') {
    errors.add('/enforce', 'is available for organization, project and tag budgets; an end-user budget alerts only');
    return false;
  }
  return enforce;
}
