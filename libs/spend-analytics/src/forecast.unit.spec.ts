import { Decimal } from 'decimal.js';
import { addDays, formatLocalDate, periodContaining, weekdayOf, type LocalDate } from './calendar';
import { forecastPeriodEnd, percentOf, type DailySpend } from './forecast';

const june = periodContaining(new Date('2025-06-10T00:00:00Z'), 'monthly', 'UTC');

/** `days` complete days ending the day before `today`, each priced by `amount(date, index)` (index 0 = oldest). */
function series(today: LocalDate, days: number, amount: (date: LocalDate, index: number) => string): DailySpend[] {
  return Array.from({ length: days }, (_, i) => {
    const date = addDays(today, i - days);
    return { date: formatLocalDate(date), amount: amount(date, i) };
  });
}

/** What the days of `history` falling inside [from, to) add up to. */
function spendBetween(history: DailySpend[], from: string, to: string): string {
  return history
    .filter((d) => d.date >= from && d.date < to)
    .reduce((sum, d) => sum.plus(d.amount), new Decimal(0))
    .toFixed();
}

const near = (value: string, expected: string, tolerance = '0.000001') =>
  expect(new Decimal(value).minus(expected).abs().lte(tolerance)).toBe(true);

describe('forecastPeriodEnd', () => {
  it('projects a steady spend exactly', () => {
    const history = series({ year: 2025, month: 6, day: 15 }, 28, () => '10');
    const forecast = forecastPeriodEnd({
      period: june,
      now: new Date('2025-06-15T12:00:00Z'),
      spendToDate: '145',
      history,
    });
    expect(forecast).toEqual({
      projected: '300.000000000000',
      spendToDate: '145.000000000000',
      method: 'weekday-seasonal',
      inputs: {
        historyDays: 28,
        dailyRate: '10.000000000000',
        remainingDays: '15.5',
        halfLifeDays: 7,
        weekdayFactors: ['1', '1', '1', '1', '1', '1', '1'],
      },
    });
  });

  it('uses a weighted average while there are fewer than three weeks of history', () => {
    const history = series({ year: 2025, month: 6, day: 15 }, 10, () => '10');
    const forecast = forecastPeriodEnd({ period: june, now: new Date('2025-06-15T12:00:00Z'), spendToDate: '145', history });
    expect([forecast.method, forecast.projected, forecast.inputs.historyDays]).toEqual(['weighted-average', '300.000000000000', 10]);
  });

  it('follows an accelerating spend sooner than a flat average would', () => {
    const today = { year: 2025, month: 6, day: 15 };
    const history = series(today, 14, (_d, i) => String(i + 1));
    const input = {
      period: june,
      now: new Date('2025-06-15T00:00:00Z'),
      spendToDate: spendBetween(history, '2025-06-01', '2025-06-15'),
      history,
    };
    const weighted = forecastPeriodEnd(input);
    const flat = forecastPeriodEnd(input, { halfLifeDays: 1e9 });
    near(flat.inputs.dailyRate, '7.5');
    expect(new Decimal(weighted.inputs.dailyRate).gt('9')).toBe(true);
    expect(new Decimal(weighted.inputs.dailyRate).lt('14')).toBe(true);
    expect(new Decimal(weighted.projected).gt(flat.projected)).toBe(true);
    expect(weighted.inputs.remainingDays).toBe('16');
  });

  it('projects a whole period from history at the very start of the period', () => {
    const history = series({ year: 2025, month: 6, day: 1 }, 28, () => '10');
    const forecast = forecastPeriodEnd({ period: june, now: new Date('2025-06-01T00:01:00Z'), spendToDate: '0', history });
    near(forecast.projected, '300', '0.01');
    expect(forecast.inputs.remainingDays).toBe('29.999306');
  });

  it('shapes the projection by weekday: a weekend-quiet workload is not projected at its weekday rate', () => {
    const today = { year: 2025, month: 6, day: 16 };
    const weekdayAmount = (date: LocalDate) => ([0, 6].includes(weekdayOf(date)) ? '2' : '20');
    const history = series(today, 28, weekdayAmount);
    const spendToDate = spendBetween(history, '2025-06-01', '2025-06-16');
    const input = { period: june, now: new Date('2025-06-16T00:00:00Z'), spendToDate, history };
    const seasonal = forecastPeriodEnd(input);
    // 16–30 June: eleven weekdays at 20, four weekend days at 2.
    near(seasonal.projected, new Decimal(spendToDate).plus(11 * 20 + 4 * 2).toFixed(), '0.000000001');
    expect(seasonal.method).toBe('weekday-seasonal');
    expect(seasonal.inputs.weekdayFactors?.map((f) => new Decimal(f).toDecimalPlaces(2).toFixed())).toEqual([
      '0.13',
      '1.35',
      '1.35',
      '1.35',
      '1.35',
      '1.35',
      '0.13',
    ]);
    const unshaped = forecastPeriodEnd(input, { minSeasonalDays: 100 });
    expect(new Decimal(unshaped.projected).minus(seasonal.projected).abs().gt(5)).toBe(true);
  });

  it("uses the period's own run rate for a new project, once enough of the period has passed", () => {
    const early = forecastPeriodEnd({ period: june, now: new Date('2025-06-01T03:00:00Z'), spendToDate: '2', history: [] });
    expect([early.method, early.projected]).toEqual(['spend-to-date', '2.000000000000']);
    const later = forecastPeriodEnd({ period: june, now: new Date('2025-06-03T00:00:00Z'), spendToDate: '20', history: [] });
    expect([later.method, later.projected, later.inputs.dailyRate]).toEqual(['period-run-rate', '300.000000000000', '10.000000000000']);
  });

  it('takes days before the first history entry as no history, and missing days after it as zero', () => {
    const history: DailySpend[] = [
      { date: '2025-06-10', amount: '10' },
      { date: '2025-06-12', amount: '10' },
    ];
    const forecast = forecastPeriodEnd({ period: june, now: new Date('2025-06-15T00:00:00Z'), spendToDate: '20', history });
    expect(forecast.inputs.historyDays).toBe(5);
    expect(new Decimal(forecast.inputs.dailyRate).lt('10')).toBe(true);
  });

  it('counts local days across a 25-hour day', () => {
    const october = periodContaining(new Date('2025-10-10T12:00:00Z'), 'monthly', 'Europe/Paris');
    const history = series({ year: 2025, month: 10, day: 1 }, 28, () => '10');
    const forecast = forecastPeriodEnd({ period: october, now: october.start, spendToDate: '0', history });
    expect([forecast.inputs.remainingDays, forecast.projected]).toEqual(['31', '310.000000000000']);
  });

  it('refuses an instant outside the period and amounts that are not decimal strings', () => {
    expect(() => forecastPeriodEnd({ period: june, now: new Date('2025-07-01T00:00:00Z'), spendToDate: '0', history: [] })).toThrow(
      'now must fall inside the period',
    );
    expect(() =>
      forecastPeriodEnd({
        period: june,
        now: new Date('2025-06-02T00:00:00Z'),
        spendToDate: '0',
        history: [{ date: '2025-06-01', amount: '1e3' }],
      }),
    ).toThrow('history/0/amount: "1e3" is not a decimal string');
  });
});

describe('percentOf', () => {
  it('is a two-decimal percentage', () => {
    expect(percentOf('812.4', '1000')).toBe('81.24');
    expect(percentOf('1', '3')).toBe('33.33');
    expect(percentOf('1187.5', '1000')).toBe('118.75');
    expect(() => percentOf('1', '0')).toThrow('budget: must be positive');
  });
});
