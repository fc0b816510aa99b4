import type { MoneyAmount } from '@llmlab/contracts';
import { Money, toMoneyString } from '@llmlab/domain';
import type { TrafficWindow } from './recommender';

/** Days in the month the estimates speak of. */
export const MONTH_DAYS = 30;

/** An amount observed over the window, scaled to a 30-day month: exact, a decimal string in USD. */
export function monthly(amount: Money, window: TrafficWindow): MoneyAmount {
  return { amount: toMoneyString(amount.times(MONTH_DAYS).div(window.days)), currency: 'USD' };
}

export function worthIt(savings: MoneyAmount, minMonthlySavings: string): boolean {
  return new Money(savings.amount).gte(minMonthlySavings) && new Money(savings.amount).gt(0);
}
