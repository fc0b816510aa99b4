import { Decimal } from 'decimal.js';
import { addDays, formatLocalDate, periodContaining, weekdayOf, type LocalDate } from './calendar';
import {
  forecastPeriodEnd,
  forecastWithIntervals,
  type DailySpend,
  type ForecastDay,
  type ForecastInput,
  type IntervalForecast,
} from './forecast';
import { seededRandom } from '@llmlab/testing';

const june = periodContaining(new Date('2025-06-10T00:00:00Z'), 'monthly', 'UTC');
const today: LocalDate = { year: 2025, month: 6, day: 16 };
const now = new Date('2025-06-16T00:00:00Z');

/** `days` complete days ending the day before `until`, each priced by `amount(date, index)` (index 0 = oldest). */
function series(until: LocalDate, days: number, amount: (date: LocalDate, index: number) => number): DailySpend[] {
  return Array.from({ length: days }, (_, i) => {
    const date = addDays(until, i - days);
    return { date: formatLocalDate(date), amount: new Decimal(amount(date, i)).toDecimalPlaces(2).toFixed(2) };
  });
}

function inputOf(history: DailySpend[]): ForecastInput {
  const spendToDate = history
    .filter((d) => d.date >= '2025-06-01')
    .reduce((sum, d) => sum.plus(d.amount), new Decimal(0))
    .toFixed();
  return { period: june, now, spendToDate, history };
}

/** 100 a weekday, 40 a weekend day, ± `noise` (uniform, seeded). */
const noisy = (noise: number, seed = 7) => {
  const random = seededRandom(seed);
  return (date: LocalDate) => ([0, 6].includes(weekdayOf(date)) ? 40 : 100) * (1 + noise * (2 * random() - 1));
};

const width = (r: { low: string; high: string }) => new Decimal(r.high).minus(r.low);

describe('forecastWithIntervals', () => {
  it('projects what forecastPeriodEnd projects, by the same method', () => {
    const input = inputOf(series(today, 56, noisy(0.2)));
    const { intervals, uncertainty, daily, ...point } = forecastWithIntervals(input);
    expect(point).toEqual(forecastPeriodEnd(input));
    expect(point.method).toBe('weekday-seasonal');
    expect([intervals === null, uncertainty.status, uncertainty.residuals, daily.length]).toEqual([false, 'ok', 28, 30]);
  });

  it('has no spread where the history has none: a steady spend is projected with a zero-width interval', () => {
    const forecast = forecastWithIntervals(inputOf(series(today, 56, () => 10)));
    expect(forecast.projected).toBe('300.000000000000');
    expect(forecast.intervals).toEqual({
      p80: { low: '300.000000000000', high: '300.000000000000' },
      p95: { low: '300.000000000000', high: '300.000000000000' },
    });
    expect([forecast.uncertainty.relativeError, forecast.uncertainty.bias]).toEqual(['0', '0']);
  });

  it('nests the intervals around the projection, never below the spend so far, wider as the horizon grows', () => {
    const input = inputOf(series(today, 56, noisy(0.3)));
    const forecast = forecastWithIntervals(input);
    const { p80, p95 } = forecast.intervals!;
    const projected = new Decimal(forecast.projected);
    expect(new Decimal(p95.low).lt(p80.low) && projected.gt(p80.low) && projected.lt(p80.high)).toBe(true);
    expect(new Decimal(p80.high).lt(p95.high)).toBe(true);
    expect(new Decimal(p95.low).gte(input.spendToDate)).toBe(true);
    // Symmetric around the projection where the floor does not bite, the 95 % wider by z(0.975) / z(0.9).
    expect(projected.minus(p80.low).minus(new Decimal(p80.high).minus(projected)).abs().lte('0.000000000002')).toBe(true);
    expect(width(p95).div(width(p80)).toDecimalPlaces(4).toFixed()).toBe('1.5294');

    const ahead = forecast.daily.filter((d) => d.expected !== undefined);
    expect(ahead.map((d) => d.date)).toEqual(Array.from({ length: 15 }, (_, i) => formatLocalDate(addDays(today, i))));
    for (let i = 1; i < ahead.length; i++) {
      expect(width(ahead[i].cumulative.intervals!.p80).gt(width(ahead[i - 1].cumulative.intervals!.p80))).toBe(true);
    }
    // Without a bias, a day is as uncertain next week as tomorrow, relative to its expected spend.
    expect(forecast.uncertainty.bias).toBe('0');
    const relative = (d: ForecastDay) => width(d.intervals!.p80).div(d.expected!).toDecimalPlaces(9).toFixed();
    expect(relative(ahead[8])).toBe(relative(ahead[1]));
    expect(ahead[ahead.length - 1].cumulative).toEqual({ expected: forecast.projected, intervals: forecast.intervals });
  });

  it('lists every day of the period: actual spend of the past days, expected spend of the rest', () => {
    const history = series(today, 56, noisy(0.2));
    const forecast = forecastWithIntervals({
      ...inputOf(history),
      spendToDate: new Decimal(inputOf(history).spendToDate).plus(3).toFixed(),
    });
    const past = forecast.daily.slice(0, 15);
    expect(past.map((d) => [d.date, d.actual])).toEqual(
      history.filter((d) => d.date >= '2025-06-01').map((d) => [d.date, new Decimal(d.amount).toFixed(12)]),
    );
    expect(past.every((d) => d.expected === undefined && d.intervals === undefined)).toBe(true);
    expect(past[14].cumulative.expected).toBe(new Decimal(inputOf(history).spendToDate).toFixed(12));
    // Today: what was spent so far (the spend to date beyond the complete days), and what is still expected.
    expect(forecast.daily[15].actual).toBe('3.000000000000');
    expect(forecast.daily[15].date).toBe('2025-06-16');
  });

  it('widens after a level shift: recent errors weigh most', () => {
    const steady = series(today, 56, noisy(0.1));
    const shifted = steady.map((d, i) => (i >= 50 ? { ...d, amount: new Decimal(d.amount).times('1.6').toFixed(2) } : d));
    const before = forecastWithIntervals(inputOf(steady));
    const after = forecastWithIntervals(inputOf(shifted));
    expect(new Decimal(after.uncertainty.bias!).gt('0.1')).toBe(true);
    const relative = (f: IntervalForecast) => width(f.intervals!.p80).div(new Decimal(f.projected).minus(f.spendToDate));
    expect(relative(after).gt(relative(before).times(2))).toBe(true);
    // With a bias, the further a day, the wider its interval relative to its expected spend (the lag grows).
    const ahead = after.daily.filter((d) => d.expected !== undefined);
    const dayRelative = (d: ForecastDay) => width(d.intervals!.p80).div(d.expected!);
    for (let i = 1; i < ahead.length; i++) expect(dayRelative(ahead[i]).gt(dayRelative(ahead[i - 1]))).toBe(true);
    // The new level is 60 % above the old one: the projection lags it, the 95 % interval reaches it.
    const newLevel = new Decimal(after.spendToDate).plus(
      forecastWithIntervals(inputOf(steady))
        .daily.filter((d) => d.expected)
        .reduce((sum, d) => sum.plus(new Decimal(d.expected!).times('1.6')), new Decimal(0)),
    );
    expect(new Decimal(after.projected).lt(newLevel)).toBe(true);
    expect(new Decimal(after.intervals!.p95.high).gt(newLevel)).toBe(true);
  });

  it('flags short history: no intervals from fewer than 7 errors, wider ones from fewer than 14', () => {
    const tenDays = forecastWithIntervals(inputOf(series(today, 10, noisy(0.2))));
    expect([tenDays.method, tenDays.uncertainty.status, tenDays.uncertainty.residuals, tenDays.intervals]).toEqual([
      'weighted-average',
      'insufficient-history',
      3,
      null,
    ]);
    expect(tenDays.daily.every((d) => d.intervals === undefined && d.cumulative.intervals === undefined)).toBe(true);

    const history = series(today, 56, noisy(0.2));
    const full = forecastWithIntervals(inputOf(history));
    const short = forecastWithIntervals(inputOf(history), { residualDays: 10 });
    expect([short.uncertainty.status, short.uncertainty.residuals, short.projected]).toEqual(['short-history', 10, full.projected]);
    // Student-t with 9 degrees of freedom instead of the normal: 1.383 / 1.282 and 2.262 / 1.960, within 0.01.
    const ratio = (f: IntervalForecast, k: 'p80' | 'p95') =>
      width(f.intervals![k]).div(new Decimal(f.uncertainty.relativeError!).pow(2).plus(new Decimal(f.uncertainty.bias!).pow(2)).sqrt());
    const shortOverFull = (k: 'p80' | 'p95') => ratio(short, k).div(ratio(full, k)).toNumber();
    expect(Math.abs(shortOverFull('p80') - 1.383 / 1.2816)).toBeLessThan(0.01);
    expect(Math.abs(shortOverFull('p95') - 2.262 / 1.96)).toBeLessThan(0.01);
  });

  it('has no intervals without history, and projects the run rate alone', () => {
    const forecast = forecastWithIntervals({ period: june, now: new Date('2025-06-03T00:00:00Z'), spendToDate: '20', history: [] });
    expect([forecast.method, forecast.projected, forecast.uncertainty.status, forecast.intervals]).toEqual([
      'period-run-rate',
      '300.000000000000',
      'no-history',
      null,
    ]);
    expect(forecast.daily.map((d) => d.expected ?? d.actual)).toEqual([
      '0.000000000000',
      '0.000000000000',
      ...Array<string>(28).fill('10.000000000000'),
    ]);
    const early = forecastWithIntervals({ period: june, now: new Date('2025-06-01T03:00:00Z'), spendToDate: '2', history: [] });
    expect([early.method, early.daily.length, early.daily[0].actual, early.daily[0].cumulative.expected]).toEqual([
      'spend-to-date',
      1,
      '2.000000000000',
      '2.000000000000',
    ]);
  });

  it('handles days without spend: a weekday that never spends is expected at zero, with no spread', () => {
    const weekdaysOnly = series(today, 56, (date, i) => ([0, 6].includes(weekdayOf(date)) ? 0 : 50 + (i % 3) * 10));
    const forecast = forecastWithIntervals(inputOf(weekdaysOnly));
    const saturday = forecast.daily.find((d) => d.date === '2025-06-21')!;
    expect([saturday.expected, saturday.intervals?.p95]).toEqual(['0.000000000000', { low: '0.000000000000', high: '0.000000000000' }]);
    expect(forecast.uncertainty.residuals).toBe(20);
    expect(new Decimal(forecast.intervals!.p80.low).lt(forecast.projected)).toBe(true);

    const nothing = forecastWithIntervals(inputOf(series(today, 56, () => 0)));
    expect([nothing.projected, nothing.uncertainty.status, nothing.intervals]).toEqual(['0.000000000000', 'insufficient-history', null]);
  });

  it('follows the local calendar: 31 days in October in Paris, across the 25-hour day', () => {
    const october = periodContaining(new Date('2025-10-10T12:00:00Z'), 'monthly', 'Europe/Paris');
    const history = series({ year: 2025, month: 10, day: 1 }, 56, noisy(0.2));
    const forecast = forecastWithIntervals({ period: october, now: october.start, spendToDate: '0', history });
    expect([forecast.daily.length, forecast.daily[0].date, forecast.daily[30].date, forecast.uncertainty.status]).toEqual([
      31,
      '2025-10-01',
      '2025-10-31',
      'ok',
    ]);
  });

  it('is deterministic', () => {
    const input = inputOf(series(today, 56, noisy(0.25, 3)));
    expect(forecastWithIntervals(input)).toEqual(forecastWithIntervals(input));
  });
});
