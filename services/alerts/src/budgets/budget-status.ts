import type { BudgetPeriod, BudgetScope, BudgetStatusView, MoneyAmount } from '@llmlab/contracts';
import { forecastPeriodEnd, percentOf, type BudgetPeriod as Period, type DailySpend } from '@llmlab/spend-analytics';
import { Money } from '@llmlab/domain';

/** A budget as the rules and the queries need it. */
export interface BudgetFacts {
  id: string;
  organizationId: string;
  name: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  amount: MoneyAmount;
  thresholds: number[];
  timeZone: string;
  enforce: boolean;
}

export interface BudgetStatusInput {
  budget: BudgetFacts;
  period: Period;
  /** Spend in [period.start, now). */
  spend: string;
  /** Complete local days before today (forecast history). */
  history: readonly DailySpend[];
  unpricedRecords: number;
  now: Date;
}

/** The live figures of a budget's current period: spend, thresholds reached, and the period-end projection. */
export function budgetStatus(input: BudgetStatusInput): BudgetStatusView {
  const { budget, period, now } = input;
  const amount = budget.amount.amount;
  const spend = new Money(input.spend);
  const forecast = forecastPeriodEnd({ period, now, spendToDate: input.spend, history: input.history });
  return {
    period: {
      unit: budget.period,
      start: period.start.toISOString(),
      end: period.end.toISOString(),
      key: period.key,
      timeZone: period.timeZone,
    },
    spend: { amount: forecast.spendToDate, currency: budget.amount.currency },
    percentage: percentOf(input.spend, amount),
    thresholdsReached: budget.thresholds.filter((t) => spend.times(100).gte(new Money(amount).times(t))),
    forecast: {
      projected: { amount: forecast.projected, currency: budget.amount.currency },
      percentage: percentOf(forecast.projected, amount),
      method: forecast.method,
      dailyRate: forecast.inputs.dailyRate,
      historyDays: forecast.inputs.historyDays,
      remainingDays: forecast.inputs.remainingDays,
    },
    unpricedRecords: input.unpricedRecords,
    asOf: now.toISOString(),
  };
}
