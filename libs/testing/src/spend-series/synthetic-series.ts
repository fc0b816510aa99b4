import { Decimal } from 'decimal.js';
import { addDays, formatLocalDate, localDateTime, weekdayOf, type DailySpend, type HourlySpend } from '@llmlab/spend-analytics';
import { seededRandom } from '../seeded-random';

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export interface SeriesShape {
  start: Date;
  days: number;
  timeZone: string;
  seed: number;
  /** Spend at the quietest hours and at the 14:00 peak, before weekend and noise. */
  quiet: number;
  peak: number;
  /** Multiplier of Saturdays and Sundays. */
  weekend: number;
  /** Standard deviations of the log-normal noise of each day as a whole and of each hour. */
  dayNoise: number;
  hourNoise: number;
}

export const TYPICAL: Omit<SeriesShape, 'seed'> = {
  start: new Date('2025-06-02T00:00:00Z'),
  days: 28,
  timeZone: 'UTC',
  quiet: 2,
  peak: 20,
  weekend: 0.6,
  dayNoise: 0.1,
  hourNoise: 0.25,
};

/**
 * Hourly spend with a strong daily cycle (a bell around 14:00 local, ten times the night), quieter weekends, a
 * level that varies from day to day and independent noise on every hour. Amounts are whole cents.
 */
export function syntheticHourlySpend(shape: SeriesShape): HourlySpend[] {
  const random = seededRandom(shape.seed);
  const points: HourlySpend[] = [];
  let dayFactor = 1;
  let lastDay = -1;
  for (let i = 0; i < shape.days * 24; i++) {
    const hourStart = new Date(shape.start.getTime() + i * 3_600_000);
    const local = localDateTime(hourStart, shape.timeZone);
    if (local.day !== lastDay) {
      dayFactor = Math.exp(shape.dayNoise * normal(random));
      lastDay = local.day;
    }
    const cycle = shape.quiet + (shape.peak - shape.quiet) * Math.exp(-((local.hour - 14) ** 2) / (2 * 3 ** 2));
    const weekend = local.weekday === 0 || local.weekday === 6 ? shape.weekend : 1;
    const value = cycle * weekend * dayFactor * Math.exp(shape.hourNoise * normal(random));
    points.push({ hourStart, amount: new Decimal(Math.round(value * 100)).div(100).toFixed(2) });
  }
  return points;
}

export interface DailySeriesShape {
  /** First day, `YYYY-MM-DD`. */
  start: string;
  days: number;
  seed: number;
  /** Spend of a weekday at the start, before trend, shift and noise. */
  base: number;
  /** Multiplier of Saturdays and Sundays (0: no weekend spend). */
  weekend: number;
  /** Linear trend: added to the level each day, as a fraction of `base`. */
  trendPerDay: number;
  /** From day index `day` on, the level is multiplied by `factor`. */
  shift?: { day: number; factor: number };
  /** Standard deviation of the log-normal noise of each day. */
  noise: number;
  /** Probability that a day has no spend at all (an outage, a paused job). */
  zeroDays: number;
}

/**
 * Daily spend whose truth is known: a level `base × (1 + trendPerDay × i)`, times the shift factor after the shift,
 * times the weekend multiplier, times log-normal noise, some days zero. Amounts are whole cents.
 */
export function syntheticDailySpend(shape: DailySeriesShape): DailySpend[] {
  const random = seededRandom(shape.seed);
  const [year, month, day] = shape.start.split('-').map(Number);
  return Array.from({ length: shape.days }, (_, i) => {
    const date = { year, month, day: day + i };
    const normalized = addDays(date, 0);
    const weekday = weekdayOf(normalized);
    const level = shape.base * (1 + shape.trendPerDay * i) * (shape.shift && i >= shape.shift.day ? shape.shift.factor : 1);
    const weekend = weekday === 0 || weekday === 6 ? shape.weekend : 1;
    const noise = Math.exp(shape.noise * normal(random) - shape.noise ** 2 / 2);
    const zero = random() < shape.zeroDays;
    const value = zero ? 0 : level * weekend * noise;
    return { date: formatLocalDate(normalized), amount: new Decimal(Math.round(value * 100)).div(100).toFixed(2) };
  });
}
