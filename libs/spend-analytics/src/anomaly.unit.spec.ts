import { Decimal } from 'decimal.js';
import { detectSpendAnomaly, robustBaseline, type HourlySpend, type SpendAnomalyOptions } from './anomaly';
import { syntheticHourlySpend, TYPICAL, type SeriesShape } from '@llmlab/testing';

const HOUR = 3_600_000;
const FIRST_EVALUATED = 7 * 24;

/** Runs the detector on every hour after the first week, each with the fifteen days before it, as the service would. */
function falsePositives(series: HourlySpend[], options?: SpendAnomalyOptions): HourlySpend[] {
  const fired: HourlySpend[] = [];
  for (let i = FIRST_EVALUATED; i < series.length; i++) {
    if (detectSpendAnomaly(series[i], series.slice(Math.max(0, i - 15 * 24), i), options).fires) fired.push(series[i]);
  }
  return fired;
}

function hourAt(series: HourlySpend[], iso: string): number {
  return series.findIndex((p) => p.hourStart.toISOString() === iso);
}

function spiked(series: HourlySpend[], index: number, factor: number) {
  const current = { ...series[index], amount: new Decimal(series[index].amount).times(factor).toFixed() };
  return detectSpendAnomaly(current, series.slice(Math.max(0, index - 15 * 24), index));
}

describe('detectSpendAnomaly on four weeks of hourly spend with a strong daily cycle', () => {
  const series = syntheticHourlySpend({ ...TYPICAL, seed: 1 });

  it('is a series whose daily peaks are ten times its nights', () => {
    const wednesday = series.slice(2 * 24, 3 * 24).map((p) => Number(p.amount));
    expect(Math.max(...wednesday) / Math.min(...wednesday)).toBeGreaterThan(5);
  });

  it('stays silent on every normal hour, peaks included: 0 false positives in 504 hours', () => {
    expect(series.length - FIRST_EVALUATED).toBe(504);
    expect(falsePositives(series)).toEqual([]);
  });

  it('stays silent on nine more series drawn the same way (5 040 hours)', () => {
    const fired = [2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((seed) => falsePositives(syntheticHourlySpend({ ...TYPICAL, seed })));
    expect(fired).toEqual([]);
  });

  it('would fire on many normal peaks without its daily seasonality (baseline: the previous 24 hours)', () => {
    let fired = 0;
    for (let i = FIRST_EVALUATED; i < series.length; i++) {
      const { median, spread } = robustBaseline(series.slice(i - 24, i).map((p) => p.amount));
      const m = new Decimal(median);
      const floor = Decimal.max(spread, m.times('0.1'), new Decimal(1).div(6));
      if (new Decimal(series[i].amount).gt(Decimal.max(m.plus(floor.times(6)), m.times(3)))) fired++;
    }
    expect(fired).toBeGreaterThan(5);
  });

  it('fires on a fivefold spike at the daily peak', () => {
    const peak = hourAt(series, '2025-06-25T14:00:00.000Z');
    const result = spiked(series, peak, 5);
    expect(result).toMatchObject({ fires: true, reason: 'spike', historyDays: 14 });
    expect(result.score).toBeGreaterThan(6);
    expect(spiked(series, peak, 1).fires).toBe(false);
  });

  it('fires on a fivefold spike at a quiet hour', () => {
    const night = hourAt(series, '2025-06-25T03:00:00.000Z');
    expect(spiked(series, night, 5)).toMatchObject({ fires: true, reason: 'spike' });
    expect(spiked(series, night, 1).fires).toBe(false);
  });

  it('reports its baseline, spread and threshold as decimal strings', () => {
    const result = spiked(series, hourAt(series, '2025-06-25T14:00:00.000Z'), 5);
    for (const field of ['amount', 'baseline', 'spread', 'threshold'] as const) expect(result[field]).toMatch(/^\d+\.\d{12}$/);
    expect(new Decimal(result.threshold).gte(new Decimal(result.baseline).times(3))).toBe(true);
  });

  it('follows local hours across a DST change', () => {
    const shape: SeriesShape = { ...TYPICAL, seed: 1, timeZone: 'Europe/Paris', start: new Date('2025-10-05T22:00:00Z') };
    const paris = syntheticHourlySpend(shape);
    expect(falsePositives(paris, { timeZone: 'Europe/Paris' })).toEqual([]);
    // 14:00 in Paris is 13:00 UTC in summer time and 12:00 UTC after 26 October.
    const peakAfterChange = hourAt(paris, '2025-10-29T13:00:00.000Z');
    const current = { ...paris[peakAfterChange], amount: new Decimal(paris[peakAfterChange].amount).times(5).toFixed() };
    expect(detectSpendAnomaly(current, paris.slice(0, peakAfterChange), { timeZone: 'Europe/Paris' }).fires).toBe(true);
  });
});

describe('detectSpendAnomaly without enough history', () => {
  const series = syntheticHourlySpend({ ...TYPICAL, seed: 1 });

  it('does not fire for a new project, however large its first spend', () => {
    const current = { hourStart: new Date('2025-06-05T14:00:00Z'), amount: '500' };
    expect(detectSpendAnomaly(current, [])).toMatchObject({ fires: false, reason: 'insufficient-history', historyDays: 0 });
    const threeDays = series.filter((p) => p.hourStart < current.hourStart);
    expect(detectSpendAnomaly(current, threeDays)).toMatchObject({ fires: false, reason: 'insufficient-history', historyDays: 3 });
  });

  it('starts judging after seven days of history', () => {
    const hour = 7 * 24 + 14;
    expect(spiked(series, hour, 5)).toMatchObject({ fires: true, historyDays: 7 });
    expect(spiked(series, hour - 24, 5)).toMatchObject({ fires: false, historyDays: 6 });
  });
});

describe('detectSpendAnomaly floors', () => {
  const start = Date.parse('2025-06-01T00:00:00Z');
  /** A project that only spends in office hours: its nights have no rollup rows at all. */
  const officeHours: HourlySpend[] = [];
  for (let h = 0; h < 14 * 24; h++) {
    const hour = h % 24;
    if (hour >= 9 && hour < 18) officeHours.push({ hourStart: new Date(start + h * HOUR), amount: '4.00' });
  }

  it('counts hours missing after the first one as zero spend', () => {
    const night = { hourStart: new Date(start + (14 * 24 + 3) * HOUR), amount: '5' };
    // 13 days: 03:00 on the first day came before the project's first spend at 09:00.
    expect(detectSpendAnomaly(night, officeHours)).toMatchObject({
      fires: true,
      baseline: '0.000000000000',
      threshold: '1.000000000000',
      historyDays: 13,
    });
  });

  it('ignores a jump smaller than minIncrease, however many times the baseline it is', () => {
    const cents = officeHours.map((p) => ({ ...p, amount: '0.02' }));
    const current = { hourStart: new Date(start + (14 * 24 + 10) * HOUR), amount: '0.50' };
    expect(detectSpendAnomaly(current, cents).fires).toBe(false);
    expect(detectSpendAnomaly(current, cents, { minIncrease: '0.1' }).fires).toBe(true);
  });

  it('does not fire on a perfectly regular series moving by a few percent', () => {
    const current = { hourStart: new Date(start + (14 * 24 + 10) * HOUR), amount: '4.40' };
    expect(detectSpendAnomaly(current, officeHours)).toMatchObject({ fires: false, spread: '0.400000000000' });
  });

  it('refuses a non-positive minIncrease and amounts that are not decimal strings', () => {
    const current = { hourStart: new Date(start + 14 * 24 * HOUR), amount: '1' };
    expect(() => detectSpendAnomaly(current, officeHours, { minIncrease: '0' })).toThrow('minIncrease must be positive');
    expect(() => detectSpendAnomaly({ ...current, amount: '1.5e2' }, officeHours)).toThrow('current/amount');
  });
});

describe('robustBaseline', () => {
  it('is the median and 1.4826 × the median absolute deviation, unmoved by one outlier', () => {
    expect(robustBaseline(['1', '2', '3', '4', '100'])).toEqual({ median: '3.000000000000', spread: '1.482600000000' });
    expect(robustBaseline(['2', '4'])).toEqual({ median: '3.000000000000', spread: '1.482600000000' });
  });
});
