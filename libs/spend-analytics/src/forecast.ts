import type { Decimal } from 'decimal.js';
import { Money, parseMoney, toMoneyString } from '@llmlab/domain';
import { addDays, formatLocalDate, localDateTime, startOfLocalDay, weekdayOf, type BudgetPeriod, type LocalDate } from './calendar';

/** Spend of one complete local day (the organization's calendar), e.g. summed from hourly rollups. */
export interface DailySpend {
  /** `YYYY-MM-DD`. */
  date: string;
  amount: string;
}

export interface ForecastInput {
  period: Pick<BudgetPeriod, 'start' | 'end' | 'timeZone'>;
  now: Date;
  /** Spend in [period.start, now), today's partial spend included. */
  spendToDate: string;
  /**
   * Complete days before today, oldest or newest first, days without spend may be left out. Days before the
   * first entry are taken as "no history yet", not as zero: a project created last week has a week of history.
   */
  history: readonly DailySpend[];
}

export interface ForecastOptions {
  /** Days of history the rate is estimated from. */
  lookbackDays?: number;
  /** Age at which a day's weight halves: recent days count more, so a rising spend shows sooner. */
  halfLifeDays?: number;
  /** History needed before weekday seasonality is used (three of each weekday). */
  minSeasonalDays?: number;
  /** Without history, the period's own run rate is used once this much of it has passed. */
  minRunRateHours?: number;
}

export type ForecastMethod =
  /** Exponentially weighted average of recent days, for every remaining day. */
  | 'weighted-average'
  /** A weighted, deseasonalised level times each remaining day's weekday factor. */
  | 'weekday-seasonal'
  /** No history: spend so far divided by the time elapsed in the period. */
  | 'period-run-rate'
  /** Nothing to extrapolate from yet: the projection is what has been spent. */
  | 'spend-to-date';

export interface Forecast {
  /** Projected spend at period end, a decimal string. */
  projected: string;
  spendToDate: string;
  method: ForecastMethod;
  inputs: {
    historyDays: number;
    /** The run rate per day the projection used (for `weekday-seasonal`, the deseasonalised level). */
    dailyRate: string;
    /** What is left of the period, in local days (today's remainder as a fraction). */
    remainingDays: string;
    halfLifeDays: number;
    /** Spend of each weekday relative to the average day, Sunday first; `weekday-seasonal` only. */
    weekdayFactors?: string[];
  };
}

const DEFAULTS: Required<ForecastOptions> = { lookbackDays: 28, halfLifeDays: 7, minSeasonalDays: 21, minRunRateHours: 6 };
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Day {
  date: LocalDate;
  age: number;
  amount: Decimal;
}

/** The lookback window, newest first, starting no earlier than the first day the history knows. */
function historyWindow(input: ForecastInput, today: LocalDate, lookbackDays: number): Day[] {
  const byDate = new Map<string, Decimal>();
  input.history.forEach((entry, i) => {
    if (!DATE.test(entry.date)) throw new RangeError(`history/${i}/date: "${entry.date}" is not YYYY-MM-DD`);
    const amount = parseMoney(entry.amount, `history/${i}/amount`);
    byDate.set(entry.date, (byDate.get(entry.date) ?? new Money(0)).plus(amount));
  });
  const first = [...byDate.keys()].sort()[0];
  const days: Day[] = [];
  for (let age = 1; age <= lookbackDays; age++) {
    const date = addDays(today, -age);
    const key = formatLocalDate(date);
    if (first === undefined || key < first) break;
    days.push({ date, age, amount: byDate.get(key) ?? new Money(0) });
  }
  return days;
}

function weightedMean(values: { age: number; value: Decimal }[], halfLifeDays: number): Decimal {
  let weighted = new Money(0);
  let weights = new Money(0);
  for (const { age, value } of values) {
    const weight = new Money(0.5).pow((age - 1) / halfLifeDays);
    weighted = weighted.plus(value.times(weight));
    weights = weights.plus(weight);
  }
  return weights.isZero() ? new Money(0) : weighted.div(weights);
}

/** Average spend of each weekday over the window, divided by the average day; 1 where there is no spend at all. */
function weekdayFactors(days: Day[]): Decimal[] {
  const total = days.reduce((sum, d) => sum.plus(d.amount), new Money(0));
  const overall = total.div(days.length);
  return Array.from({ length: 7 }, (_, weekday) => {
    const same = days.filter((d) => weekdayOf(d.date) === weekday);
    if (overall.isZero() || same.length === 0) return new Money(1);
    return same
      .reduce((sum, d) => sum.plus(d.amount), new Money(0))
      .div(same.length)
      .div(overall);
  });
}

/**
 * Projects period-end spend: what has been spent, plus an expected spend for each remaining local day (today's
 * remainder pro rata). The expected day comes from recent complete days, weighted towards the newest, and, with
 * three weeks of history, shaped by weekday (a weekend-quiet workload is not projected at its weekday rate).
 */
export function forecastPeriodEnd(input: ForecastInput, options: ForecastOptions = {}): Forecast {
  const o = { ...DEFAULTS, ...options };
  const { start, end, timeZone } = input.period;
  if (!(input.now >= start && input.now < end)) throw new RangeError('now must fall inside the period');
  const spendToDate = parseMoney(input.spendToDate, 'spendToDate');

  const today = localDateTime(input.now, timeZone);
  const tomorrowStart = startOfLocalDay(addDays(today, 1), timeZone);
  const todayStart = startOfLocalDay(today, timeZone);
  const todayLeft = new Money(Math.min(tomorrowStart.getTime(), end.getTime()) - input.now.getTime()).div(
    tomorrowStart.getTime() - todayStart.getTime(),
  );
  const futureDays: LocalDate[] = [];
  for (let d = addDays(today, 1); startOfLocalDay(d, timeZone) < end; d = addDays(d, 1)) futureDays.push(d);
  const remainingDays = todayLeft.plus(futureDays.length);

  const days = historyWindow(input, today, o.lookbackDays);
  const result = (method: ForecastMethod, dailyRate: Decimal, projected: Decimal, factors?: Decimal[]): Forecast => ({
    projected: toMoneyString(projected),
    spendToDate: toMoneyString(spendToDate),
    method,
    inputs: {
      historyDays: days.length,
      dailyRate: toMoneyString(dailyRate),
      remainingDays: remainingDays.toDecimalPlaces(6).toFixed(),
      halfLifeDays: o.halfLifeDays,
      ...(factors ? { weekdayFactors: factors.map((f) => f.toDecimalPlaces(6).toFixed()) } : {}),
    },
  });

  if (days.length === 0) {
    const elapsed = input.now.getTime() - start.getTime();
    if (elapsed < o.minRunRateHours * 3_600_000) return result('spend-to-date', new Money(0), spendToDate);
    const rate = spendToDate.times(DAY_MS).div(elapsed);
    return result('period-run-rate', rate, spendToDate.plus(rate.times(remainingDays)));
  }

  if (days.length < o.minSeasonalDays) {
    const rate = weightedMean(
      days.map((d) => ({ age: d.age, value: d.amount })),
      o.halfLifeDays,
    );
    return result('weighted-average', rate, spendToDate.plus(rate.times(remainingDays)));
  }

  const factors = weekdayFactors(days);
  const level = weightedMean(
    days.filter((d) => !factors[weekdayOf(d.date)].isZero()).map((d) => ({ age: d.age, value: d.amount.div(factors[weekdayOf(d.date)]) })),
    o.halfLifeDays,
  );
  const expected = (date: LocalDate) => level.times(factors[weekdayOf(date)]);
  const rest = futureDays.reduce((sum, d) => sum.plus(expected(d)), expected(today).times(todayLeft));
  return result('weekday-seasonal', level, spendToDate.plus(rest), factors);
}

/** `amount` as a percentage of `budget`, two decimals: `"81.24"`. What threshold and forecast alerts carry. */
export function percentOf(amount: string, budget: string): string {
  const total = parseMoney(budget, 'budget');
  if (total.lte(0)) throw new RangeError('budget: must be positive');
  return parseMoney(amount, 'amount').times(100).div(total).toDecimalPlaces(2).toFixed(2);
}
