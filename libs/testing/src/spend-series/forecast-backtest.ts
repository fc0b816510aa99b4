import { Decimal } from 'decimal.js';
import {
  forecastWithIntervals,
  periodContaining,
  type DailySpend,
  type ForecastRange,
  type IntervalOptions,
} from '@llmlab/spend-analytics';
import { syntheticDailySpend, type DailySeriesShape } from './synthetic-series';

/**
 * The forecast back-test (docs/forecasting.md), shared by its unit spec and `npm run eval:forecast`: synthetic
 * daily series whose every day is known, a month-end forecast from many origins, each compared with the month's
 * actual total, beside a naive baseline on the same origins.
 */
export type SeriesKind = 'seasonal' | 'trend' | 'level-shift' | 'sparse';

/** 1 January to 31 May 2025: two months of history before the three months forecast (March, April, May). */
const SPAN: Pick<DailySeriesShape, 'start' | 'days'> = { start: '2025-01-01', days: 151 };
export const EVALUATED_MONTHS = ['2025-03', '2025-04', '2025-05'];

/** The shape of each kind of series; `seed` also places the level shift somewhere in the evaluated months. */
export function seriesShape(kind: SeriesKind, seed: number): DailySeriesShape {
  const common = { ...SPAN, seed, base: 100, weekend: 0.4, trendPerDay: 0, noise: 0.15, zeroDays: 0 };
  switch (kind) {
    case 'seasonal':
      return common;
    case 'trend':
      // Linear growth of 1 % of the starting level a day: 2.5 times the level by the end of May.
      return { ...common, trendPerDay: 0.01 };
    case 'level-shift':
      // The level rises by 60 % on a day between 10 March and 28 May (a new feature shipped).
      return { ...common, shift: { day: 68 + ((seed * 37) % 80), factor: 1.6 } };
    case 'sparse':
      // No weekend spend, one day in ten without any spend, noisier days.
      return { ...common, base: 40, weekend: 0, noise: 0.4, zeroDays: 0.1 };
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown series kind ${String(unreachable)}`);
    }
  }
}

export interface BacktestResult {
  kind: SeriesKind;
  forecasts: number;
  /** Mean absolute percentage error of the month-end projection, in %. */
  mape: number;
  /** The same for the naive baseline: spend so far divided by the days elapsed, times the days of the month. */
  naiveMape: number;
  /** MAPE of the forecasts made in the first half of the month and in the second. */
  mapeFirstHalf: number;
  mapeSecondHalf: number;
  naiveMapeFirstHalf: number;
  /** Share of forecasts with intervals whose interval held the month's actual total, in %. */
  coverage80: number;
  coverage95: number;
  /**
   * The same, leaving out forecasts made before a level shift later in the same month (a change no history can
   * show: level-shift series only), and how many were left out.
   */
  foreseeableCoverage80: number;
  foreseeableCoverage95: number;
  shiftAhead: number;
  /** Forecasts that had intervals. */
  withIntervals: number;
  /** Mean width of the 80 % interval relative to the actual total, in %. */
  width80: number;
}

const HISTORY_DAYS = 56;

const within = (value: Decimal, r: ForecastRange) => value.gte(r.low) && value.lte(r.high);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * For each seed and each evaluated month, a forecast at midnight of every `originStep`-th day from the 2nd to the
 * last (the naive baseline needs a day elapsed), with the 56 complete days before it as history.
 */
export function backtest(kind: SeriesKind, seeds: number[], originStep = 1, options: IntervalOptions = {}): BacktestResult {
  const errors: { error: number; naive: number; firstHalf: boolean }[] = [];
  const covered = { all80: 0, all95: 0, foreseeable80: 0, foreseeable95: 0, foreseeable: 0, shiftAhead: 0 };
  let withIntervals = 0;
  const widths: number[] = [];
  for (const seed of seeds) {
    const shape = seriesShape(kind, seed);
    const series = syntheticDailySpend(shape);
    const shiftDate = shape.shift ? series[shape.shift.day].date : undefined;
    for (const month of EVALUATED_MONTHS) {
      const inMonth = series.filter((d) => d.date.startsWith(month));
      const actual = sum(inMonth);
      const period = periodContaining(new Date(`${month}-01T00:00:00Z`), 'monthly', 'UTC');
      const monthDays = inMonth.length;
      for (let dayIndex = 1; dayIndex < monthDays; dayIndex += originStep) {
        const today = inMonth[dayIndex].date;
        const history = series.filter((d) => d.date < today).slice(-HISTORY_DAYS);
        const spendToDate = sum(inMonth.slice(0, dayIndex)).toFixed();
        const forecast = forecastWithIntervals({ period, now: new Date(`${today}T00:00:00Z`), spendToDate, history }, options);
        const naive = new Decimal(spendToDate).div(dayIndex).times(monthDays);
        const pct = (projected: Decimal.Value) =>
          actual.isZero() ? 0 : new Decimal(projected).minus(actual).abs().div(actual).times(100).toNumber();
        errors.push({ error: pct(forecast.projected), naive: pct(naive), firstHalf: dayIndex < monthDays / 2 });
        if (forecast.intervals) {
          withIntervals++;
          const in80 = within(actual, forecast.intervals.p80);
          const in95 = within(actual, forecast.intervals.p95);
          covered.all80 += Number(in80);
          covered.all95 += Number(in95);
          if (shiftDate !== undefined && shiftDate >= today && shiftDate.startsWith(month)) covered.shiftAhead++;
          else {
            covered.foreseeable++;
            covered.foreseeable80 += Number(in80);
            covered.foreseeable95 += Number(in95);
          }
          widths.push(new Decimal(forecast.intervals.p80.high).minus(forecast.intervals.p80.low).div(actual).times(100).toNumber());
        }
      }
    }
  }
  const firstHalf = errors.filter((e) => e.firstHalf);
  const secondHalf = errors.filter((e) => !e.firstHalf);
  return {
    kind,
    forecasts: errors.length,
    mape: mean(errors.map((e) => e.error)),
    naiveMape: mean(errors.map((e) => e.naive)),
    mapeFirstHalf: mean(firstHalf.map((e) => e.error)),
    mapeSecondHalf: mean(secondHalf.map((e) => e.error)),
    naiveMapeFirstHalf: mean(firstHalf.map((e) => e.naive)),
    coverage80: (100 * covered.all80) / withIntervals,
    coverage95: (100 * covered.all95) / withIntervals,
    foreseeableCoverage80: (100 * covered.foreseeable80) / covered.foreseeable,
    foreseeableCoverage95: (100 * covered.foreseeable95) / covered.foreseeable,
    shiftAhead: covered.shiftAhead,
    withIntervals,
    width80: mean(widths),
  };
}

function sum(days: DailySpend[]): Decimal {
  return days.reduce((total, d) => total.plus(d.amount), new Decimal(0));
}
