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

export interface IntervalOptions extends ForecastOptions {
  /** Most recent complete days whose one-day-ahead error is measured (history beyond `lookbackDays` is used for it). */
  residualDays?: number;
  /** History a day needs before it for its one-day-ahead forecast to count as a residual. */
  minResidualHistory?: number;
  /** Fewer residuals than this: no interval at all (`insufficient-history`). */
  minResiduals?: number;
  /** Fewer residuals than this: intervals, flagged `short-history` (and wider: Student-t quantiles). */
  fullResiduals?: number;
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

/** A prediction interval: the range the amount falls in with the stated probability, decimal strings. */
export interface ForecastRange {
  low: string;
  high: string;
}

export interface ForecastIntervals {
  /** 80 % prediction interval. */
  p80: ForecastRange;
  /** 95 % prediction interval. */
  p95: ForecastRange;
}

export type IntervalStatus =
  /** Intervals from at least `fullResiduals` one-day-ahead errors. */
  | 'ok'
  /** Intervals from few errors: Student-t quantiles widen them; read them as rough. */
  | 'short-history'
  /** Too few errors to say anything: no intervals. */
  | 'insufficient-history'
  /** Projection from the period's own run rate or spend so far: no model to measure, no intervals. */
  | 'no-history';

export interface ForecastDay {
  /** `YYYY-MM-DD`, a local day of the period. */
  date: string;
  /** Spent: the whole day for past days; today, what was spent so far. Absent for days to come. */
  actual?: string;
  /** Spend still expected on the day: the whole day to come, or the rest of today. Absent for past days. */
  expected?: string;
  /** Prediction intervals of `expected`. */
  intervals?: ForecastIntervals;
  /** Spend of the period by the end of this day: actual for past days, projected from today on. */
  cumulative: { expected: string; intervals?: ForecastIntervals };
}

export interface IntervalForecast extends Forecast {
  /** Prediction intervals of the period-end total; `null` when `uncertainty.status` says there are none. */
  intervals: ForecastIntervals | null;
  uncertainty: {
    status: IntervalStatus;
    /** One-day-ahead errors measured. */
    residuals: number;
    /** Their root mean square, relative to the forecast (`0.12`: a day is typically 12 % off); `null` without any. */
    relativeError: string | null;
    /**
     * Their recency-weighted mean, the model's systematic error (`0.08`: recent days ran 8 % above the forecast),
     * shrunk by what noise alone would give; `null` without any. Widens the intervals, does not move the projection.
     */
    bias: string | null;
    /** Days' worth of information in the weighted level, (Σw)² / Σw²: its standard error is the error / √ of it. */
    effectiveDays: string;
    /** Mean age of the level's weights, in days: how far the level lags a trend, so how fast the bias grows ahead. */
    lagDays: string;
  };
  /** Every local day of the period, oldest first: the chart's series. */
  daily: ForecastDay[];
}

const DEFAULTS: Required<IntervalOptions> = {
  lookbackDays: 28,
  halfLifeDays: 7,
  minSeasonalDays: 21,
  minRunRateHours: 6,
  residualDays: 28,
  minResidualHistory: 7,
  minResiduals: 7,
  fullResiduals: 14,
};
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const Z = { p80: 1.2815515655446004, p95: 1.959963984540054 };

interface KnownDay {
  date: LocalDate;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  amount: Decimal;
}

/** A day of a model's window, `age` days before the day forecast. */
interface Day extends KnownDay {
  age: number;
}

function spendByDate(history: readonly DailySpend[]): Map<string, Decimal> {
  const byDate = new Map<string, Decimal>();
  history.forEach((entry, i) => {
    if (!DATE.test(entry.date)) throw new RangeError(`history/${i}/date: "${entry.date}" is not YYYY-MM-DD`);
    const amount = parseMoney(entry.amount, `history/${i}/amount`);
    byDate.set(entry.date, (byDate.get(entry.date) ?? new Money(0)).plus(amount));
  });
  return byDate;
}

/** Up to `span` complete days before today, oldest first, starting no earlier than the first day the history knows. */
function knownDays(byDate: Map<string, Decimal>, today: LocalDate, span: number): KnownDay[] {
  const first = [...byDate.keys()].sort()[0];
  const days: KnownDay[] = [];
  for (let age = 1; age <= span; age++) {
    const date = addDays(today, -age);
    const key = formatLocalDate(date);
    if (first === undefined || key < first) break;
    days.unshift({ date, weekday: weekdayOf(date), amount: byDate.get(key) ?? new Money(0) });
  }
  return days;
}

/** The `lookbackDays` known days before `days[index]` (or before today, for `index = days.length`), newest first. */
function windowBefore(days: KnownDay[], index: number, lookbackDays: number): Day[] {
  const window: Day[] = [];
  for (let j = index - 1; j >= Math.max(0, index - lookbackDays); j--) window.push({ ...days[j], age: index - j });
  return window;
}

const weights = new Map<string, Decimal>();

/** 0.5^((age − 1) / halfLife), memoised: the back-test and the residuals ask for the same few thousand times. */
function weightOf(age: number, halfLifeDays: number): Decimal {
  const key = `${halfLifeDays}:${age}`;
  let weight = weights.get(key);
  if (!weight) {
    weight = new Money(0.5).pow((age - 1) / halfLifeDays);
    weights.set(key, weight);
  }
  return weight;
}

function weightedMean(values: { age: number; value: Decimal }[], halfLifeDays: number): Decimal {
  let weighted = new Money(0);
  let total = new Money(0);
  for (const { age, value } of values) {
    const weight = weightOf(age, halfLifeDays);
    weighted = weighted.plus(value.times(weight));
    total = total.plus(weight);
  }
  return total.isZero() ? new Money(0) : weighted.div(total);
}

/** Average spend of each weekday over the window, divided by the average day; 1 where there is no spend at all. */
function weekdayFactors(days: Day[]): Decimal[] {
  const sums = Array.from({ length: 7 }, () => new Money(0));
  const counts = Array<number>(7).fill(0);
  for (const d of days) {
    sums[d.weekday] = sums[d.weekday].plus(d.amount);
    counts[d.weekday]++;
  }
  const overall = sums.reduce((sum, s) => sum.plus(s), new Money(0)).div(days.length);
  return sums.map((sum, weekday) => (overall.isZero() || counts[weekday] === 0 ? new Money(1) : sum.div(counts[weekday]).div(overall)));
}

interface Model {
  method: 'weighted-average' | 'weekday-seasonal';
  rate: Decimal;
  factors?: Decimal[];
  expected(date: LocalDate): Decimal;
}

/** The model of a day's spend from the (non-empty) window of days before it: the one place the method is chosen. */
function fitModel(window: Day[], o: Required<ForecastOptions>): Model {
  if (window.length < o.minSeasonalDays) {
    const rate = weightedMean(
      window.map((d) => ({ age: d.age, value: d.amount })),
      o.halfLifeDays,
    );
    return { method: 'weighted-average', rate, expected: () => rate };
  }
  // The weighted mean of the deseasonalised days, amount / factor of its weekday, summed weekday by weekday (one
  // division per weekday rather than per day). Weekdays that never spend carry no information on the level.
  const factors = weekdayFactors(window);
  const weighted = Array.from({ length: 7 }, () => new Money(0));
  let total = new Money(0);
  for (const d of window) {
    if (factors[d.weekday].isZero()) continue;
    const weight = weightOf(d.age, o.halfLifeDays);
    weighted[d.weekday] = weighted[d.weekday].plus(d.amount.times(weight));
    total = total.plus(weight);
  }
  const level = total.isZero()
    ? new Money(0)
    : weighted.reduce((sum, w, weekday) => (w.isZero() ? sum : sum.plus(w.div(factors[weekday]))), new Money(0)).div(total);
  return { method: 'weekday-seasonal', rate: level, factors, expected: (date) => level.times(factors[weekdayOf(date)]) };
}

interface Projection {
  forecast: Forecast;
  spendToDate: Decimal;
  today: LocalDate;
  futureDays: LocalDate[];
  /** Expected spend of the rest of today, then of each future day; empty when there is nothing to project. */
  steps: Decimal[];
  model?: Model;
  /** Days in the model's window. */
  windowDays: number;
}

function project(input: ForecastInput, o: Required<ForecastOptions>, byDate: Map<string, Decimal>): Projection {
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

  const known = knownDays(byDate, today, o.lookbackDays);
  const days = windowBefore(known, known.length, o.lookbackDays);
  const result = (method: ForecastMethod, dailyRate: Decimal, steps: Decimal[], model?: Model): Projection => ({
    forecast: {
      projected: toMoneyString(steps.reduce((sum, s) => sum.plus(s), spendToDate)),
      spendToDate: toMoneyString(spendToDate),
      method,
      inputs: {
        historyDays: days.length,
        dailyRate: toMoneyString(dailyRate),
        remainingDays: remainingDays.toDecimalPlaces(6).toFixed(),
        halfLifeDays: o.halfLifeDays,
        ...(model?.factors ? { weekdayFactors: model.factors.map((f) => f.toDecimalPlaces(6).toFixed()) } : {}),
      },
    },
    spendToDate,
    today,
    futureDays,
    steps,
    model,
    windowDays: days.length,
  });
  const stepsAt = (perDay: (date: LocalDate) => Decimal) => [perDay(today).times(todayLeft), ...futureDays.map(perDay)];

  if (days.length === 0) {
    const elapsed = input.now.getTime() - start.getTime();
    if (elapsed < o.minRunRateHours * 3_600_000) return result('spend-to-date', new Money(0), []);
    const rate = spendToDate.times(DAY_MS).div(elapsed);
    return result(
      'period-run-rate',
      rate,
      stepsAt(() => rate),
    );
  }
  const model = fitModel(days, o);
  return result(model.method, model.rate, stepsAt(model.expected), model);
}

/**
 * Projects period-end spend: what has been spent, plus an expected spend for each remaining local day (today's
 * remainder pro rata). The expected day comes from recent complete days, weighted towards the newest, and, with
 * three weeks of history, shaped by weekday (a weekend-quiet workload is not projected at its weekday rate).
 */
export function forecastPeriodEnd(input: ForecastInput, options: ForecastOptions = {}): Forecast {
  const o = { ...DEFAULTS, ...options };
  return project(input, o, spendByDate(input.history)).forecast;
}

/**
 * The one-day-ahead errors of the model, relative to its forecast: each of the last `residualDays` known days
 * forecast by the same model from the days before it alone, as the forecast of today is. Days forecast at zero
 * (nothing to be relative to) are left out.
 */
function relativeResiduals(days: KnownDay[], o: Required<IntervalOptions>): { age: number; value: number }[] {
  const residuals: { age: number; value: number }[] = [];
  for (let i = Math.max(o.minResidualHistory, days.length - o.residualDays); i < days.length; i++) {
    const predicted = fitModel(windowBefore(days, i, o.lookbackDays), o).expected(days[i].date);
    if (predicted.isZero()) continue;
    residuals.push({ age: days.length - i, value: days[i].amount.div(predicted).minus(1).toNumber() });
  }
  return residuals;
}

/**
 * The spread of the relative errors (recency-weighted: a level shift shows at once, as in the model) around their
 * mean, and the mean itself, the model's bias (a trend the weighted average lags), less what noise alone would
 * give: E[m̂²] = m² + σ²/n_eff for an unbiased model, n_eff = (Σw)²/Σw².
 */
function errorScale(residuals: { age: number; value: number }[], halfLifeDays: number): { sigma: number; bias: number } {
  if (residuals.length === 0) return { sigma: 0, bias: 0 };
  const weights = residuals.map((r) => 0.5 ** ((r.age - 1) / halfLifeDays));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const mean = residuals.reduce((sum, r, i) => sum + weights[i] * r.value, 0) / total;
  const sigma = Math.sqrt(residuals.reduce((sum, r, i) => sum + weights[i] * (r.value - mean) ** 2, 0) / total);
  const nEff = total ** 2 / weights.reduce((sum, w) => sum + w * w, 0);
  return { sigma, bias: Math.sign(mean) * Math.sqrt(Math.max(mean ** 2 - sigma ** 2 / nEff, 0)) };
}

/** Effective number of days and mean age of the weights 0.5^((age − 1) / halfLife) of a window of `days` days. */
function levelWeights(days: number, halfLifeDays: number): { effectiveDays: number; lagDays: number } {
  let sum = 0;
  let squares = 0;
  let ages = 0;
  for (let age = 1; age <= days; age++) {
    const weight = 0.5 ** ((age - 1) / halfLifeDays);
    sum += weight;
    squares += weight * weight;
    ages += age * weight;
  }
  return days === 0 ? { effectiveDays: 0, lagDays: 1 } : { effectiveDays: sum ** 2 / squares, lagDays: ages / sum };
}

/** Two-sided quantile multiplier: normal, or Student-t with `n − 1` degrees of freedom (Cornish–Fisher). */
function multiplier(z: number, n: number, useT: boolean): number {
  if (!useT) return z;
  const v = Math.max(n - 1, 1);
  return z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2);
}

function range(center: Decimal, spread: Decimal, factor: number, floor: Decimal): ForecastRange {
  const half = spread.times(factor);
  return { low: toMoneyString(Money.max(center.minus(half), floor)), high: toMoneyString(center.plus(half)) };
}

/**
 * The period-end projection of `forecastPeriodEnd` (the same figure, the same method) with its 80 % and 95 %
 * prediction intervals and the day-by-day series of the period (docs/forecasting.md).
 *
 * The spread comes from the model's own one-day-ahead errors over recent history, relative to its forecast (so a
 * quiet weekend has a small spread and a busy weekday a large one): σ, their recency-weighted spread, and m, their
 * mean (the bias of a model that lags a trend or a shift). For the expected amounts pₖ of the remaining steps
 * (today's remainder first), the period-end total has variance
 *
 *   σ² Σ pₖ²  (each day's own noise)  +  σ² / n_eff × (Σ pₖ)²  (the level's error, shared by every day ahead)
 *   + (m Σ pₖ (1 + k / lag))²  (the bias, growing with the horizon as a lagged trend does),
 *
 * n_eff and lag the effective size and mean age of the level's weights. Bounds are projection ± z × √variance,
 * z from the normal distribution (Student-t when the errors are few), never below the spend so far. Pass
 * `lookbackDays + residualDays` (56) days of history for a full set of errors.
 */
export function forecastWithIntervals(input: ForecastInput, options: IntervalOptions = {}): IntervalForecast {
  const o = { ...DEFAULTS, ...options };
  const byDate = spendByDate(input.history);
  const { forecast, spendToDate, today, futureDays, steps, model, windowDays } = project(input, o, byDate);

  const residuals = model ? relativeResiduals(knownDays(byDate, today, o.lookbackDays + o.residualDays), o) : [];
  const n = residuals.length;
  const { sigma, bias } = errorScale(residuals, o.halfLifeDays);
  const status: IntervalStatus = !model
    ? 'no-history'
    : n < o.minResiduals
      ? 'insufficient-history'
      : n < o.fullResiduals
        ? 'short-history'
        : 'ok';
  const withIntervals = status === 'ok' || status === 'short-history';
  const { effectiveDays, lagDays } = levelWeights(windowDays, o.halfLifeDays);
  const k80 = multiplier(Z.p80, n, status === 'short-history');
  const k95 = multiplier(Z.p95, n, status === 'short-history');
  const intervals = (center: Decimal, spread: Decimal, floor: Decimal): ForecastIntervals => ({
    p80: range(center, spread, k80, floor),
    p95: range(center, spread, k95, floor),
  });

  // Past days of the period: what the history says they cost; today: the rest of the spend so far.
  const { start, timeZone } = input.period;
  const daily: ForecastDay[] = [];
  let cumulative = new Money(0);
  for (let d: LocalDate = localDateTime(start, timeZone); formatLocalDate(d) < formatLocalDate(today); d = addDays(d, 1)) {
    const actual = byDate.get(formatLocalDate(d)) ?? new Money(0);
    cumulative = cumulative.plus(actual);
    daily.push({ date: formatLocalDate(d), actual: toMoneyString(actual), cumulative: { expected: toMoneyString(cumulative) } });
  }
  const todayActual = Money.max(spendToDate.minus(cumulative), 0);

  let projected = spendToDate;
  let sumP2 = new Money(0);
  let driftSum = new Money(0);
  const sigma2 = new Money(sigma).pow(2);
  const levelVariance = sigma2.div(effectiveDays || 1);
  const stepDays = steps.length ? [today, ...futureDays] : [];
  stepDays.forEach((date, k) => {
    const p = steps[k];
    projected = projected.plus(p);
    const drift = new Money(bias).times(1 + k / lagDays);
    sumP2 = sumP2.plus(p.pow(2));
    driftSum = driftSum.plus(p.times(drift));
    const daySpread = p.times(sigma2.plus(levelVariance).plus(drift.pow(2)).sqrt());
    const totalSpread = sumP2.times(sigma2).plus(projected.minus(spendToDate).pow(2).times(levelVariance)).plus(driftSum.pow(2)).sqrt();
    daily.push({
      date: formatLocalDate(date),
      ...(k === 0 ? { actual: toMoneyString(todayActual) } : {}),
      expected: toMoneyString(p),
      ...(withIntervals ? { intervals: intervals(p, daySpread, new Money(0)) } : {}),
      cumulative: {
        expected: toMoneyString(projected),
        ...(withIntervals ? { intervals: intervals(projected, totalSpread, spendToDate) } : {}),
      },
    });
  });
  if (!steps.length) {
    daily.push({ date: formatLocalDate(today), actual: toMoneyString(todayActual), cumulative: { expected: forecast.projected } });
  }

  const last = daily[daily.length - 1];
  return {
    ...forecast,
    intervals: withIntervals && last.cumulative.intervals ? last.cumulative.intervals : null,
    uncertainty: {
      status,
      residuals: n,
      relativeError: n > 0 ? new Money(sigma).toDecimalPlaces(6).toFixed() : null,
      bias: n > 0 ? new Money(bias).toDecimalPlaces(6).toFixed() : null,
      effectiveDays: new Money(effectiveDays).toDecimalPlaces(2).toFixed(),
      lagDays: new Money(lagDays).toDecimalPlaces(2).toFixed(),
    },
    daily,
  };
}

/** `amount` as a percentage of `budget`, two decimals: `"81.24"`. What threshold and forecast alerts carry. */
export function percentOf(amount: string, budget: string): string {
  const total = parseMoney(budget, 'budget');
  if (total.lte(0)) throw new RangeError('budget: must be positive');
  return parseMoney(amount, 'amount').times(100).div(total).toDecimalPlaces(2).toFixed(2);
}
