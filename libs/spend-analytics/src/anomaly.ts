import type { Decimal } from 'decimal.js';
import { Money, parseMoney, toMoneyString } from '@llmlab/domain';
import { addDays, localDateTime, type LocalDateTime } from './calendar';

/** Spend of one clock hour, as the hourly rollups hold it (`hourStart` on a whole UTC hour). */
export interface HourlySpend {
  hourStart: Date;
  amount: string;
}

export interface SpendAnomalyOptions {
  /** Zone whose hours of the day carry the seasonality: the organization's. */
  timeZone?: string;
  /** Previous days whose same hour forms the baseline. */
  baselineDays?: number;
  /** Below this many days of history at that hour nothing fires: a new project has no "usual" yet. */
  minHistoryDays?: number;
  /** How many robust standard deviations above the baseline fire. */
  sensitivity?: number;
  /** The hour must also cost at least this multiple of the baseline. */
  minRatio?: string;
  /** ...and at least this much more than it, in the budget's currency: a jump from 0.02 to 0.30 is noise. */
  minIncrease?: string;
  /** The spread is never taken below this fraction of the baseline: a very regular series is not a fragile one. */
  relativeNoise?: string;
}

export interface SpendAnomaly {
  fires: boolean;
  reason: 'spike' | 'normal' | 'insufficient-history';
  amount: string;
  /** Median spend of the same local hour over the previous days. */
  baseline: string;
  /** Robust standard deviation used: 1.4826 × MAD, floored (see `SpendAnomalyOptions`). */
  spread: string;
  /** Spend above which the hour fires. */
  threshold: string;
  /** (amount − baseline) / spread; `sensitivity` or more (and the ratio and increase floors) fires. */
  score: number;
  /** Days whose same hour the baseline was computed from. */
  historyDays: number;
}

const DEFAULTS = {
  timeZone: 'UTC',
  baselineDays: 14,
  minHistoryDays: 7,
  sensitivity: 6,
  minRatio: '3',
  minIncrease: '1',
  relativeNoise: '0.1',
};

const HOUR_MS = 3_600_000;
/** Makes the median absolute deviation estimate the standard deviation of normally distributed data. */
const MAD_TO_SIGMA = '1.4826';

function median(sorted: Decimal[]): Decimal {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : sorted[mid - 1].plus(sorted[mid]).div(2);
}

/**
 * Median and robust standard deviation (1.4826 × median absolute deviation) of a sample. Unlike a mean and a
 * standard deviation, neither moves much when a few values in the sample are themselves spikes.
 */
export function robustBaseline(amounts: readonly string[]): { median: string; spread: string } {
  if (amounts.length === 0) throw new RangeError('robustBaseline needs at least one value');
  const values = amounts.map((a, i) => parseMoney(a, `amounts/${i}`)).sort((a, b) => a.comparedTo(b));
  const m = median(values);
  const deviations = values.map((v) => v.minus(m).abs()).sort((a, b) => a.comparedTo(b));
  return { median: toMoneyString(m), spread: toMoneyString(median(deviations).times(MAD_TO_SIGMA)) };
}

function sameLocalHour(a: LocalDateTime, date: { year: number; month: number; day: number }, hour: number): boolean {
  return a.year === date.year && a.month === date.month && a.day === date.day && a.hour === hour;
}

/**
 * Whether one hour's spend is far above what that hour of the day usually costs. The baseline is the same local
 * hour on each of the previous `baselineDays` days (so a daily peak is compared with earlier peaks, a quiet night
 * with earlier nights), summarised by its median and MAD. Hours missing from `history` after its first entry
 * count as zero spend; before it, as no history.
 */
export function detectSpendAnomaly(current: HourlySpend, history: readonly HourlySpend[], options: SpendAnomalyOptions = {}): SpendAnomaly {
  const o = { ...DEFAULTS, ...options };
  const amount = parseMoney(current.amount, 'current/amount');
  const at = current.hourStart.getTime();
  // Only the sampled hours are parsed: a call reads about fourteen of the hundreds of hours it is handed.
  const byHour = new Map<number, number[]>();
  let historyStart = Infinity;
  history.forEach((h, i) => {
    const t = h.hourStart.getTime();
    if (t >= at) return;
    historyStart = Math.min(historyStart, t);
    byHour.set(t, [...(byHour.get(t) ?? []), i]);
  });
  const spendAt = (t: number) =>
    (byHour.get(t) ?? []).reduce((sum, i) => sum.plus(parseMoney(history[i].amount, `history/${i}/amount`)), new Money(0));

  const local = localDateTime(current.hourStart, o.timeZone);
  const sample: Decimal[] = [];
  for (let d = 1; d <= o.baselineDays; d++) {
    const date = addDays(local, -d);
    // 24 hours back is the same local hour except across a DST change, where it is an hour off; an hour that a
    // change skipped that day has no sample.
    const guess = at - d * 24 * HOUR_MS;
    const t = [guess, guess - HOUR_MS, guess + HOUR_MS].find((c) =>
      sameLocalHour(localDateTime(new Date(c), o.timeZone), date, local.hour),
    );
    if (t === undefined || t < historyStart) continue;
    sample.push(spendAt(t));
  }

  const minIncrease = new Money(o.minIncrease);
  // The increase floor also floors the spread, which keeps the score finite on an all-zero baseline.
  if (minIncrease.lte(0)) throw new RangeError('minIncrease must be positive');
  const base = sample.length ? robustBaseline(sample.map((s) => s.toFixed())) : { median: '0', spread: '0' };
  const baseline = new Money(base.median);
  const spread = Money.max(base.spread, baseline.times(o.relativeNoise), minIncrease.div(o.sensitivity));
  const threshold = Money.max(baseline.plus(spread.times(o.sensitivity)), baseline.times(o.minRatio));
  const enough = sample.length >= o.minHistoryDays;
  const fires = enough && amount.gt(threshold);
  return {
    fires,
    reason: !enough ? 'insufficient-history' : fires ? 'spike' : 'normal',
    amount: toMoneyString(amount),
    baseline: toMoneyString(baseline),
    spread: toMoneyString(spread),
    threshold: toMoneyString(threshold),
    score: amount.minus(baseline).div(spread).toDecimalPlaces(2).toNumber(),
    historyDays: sample.length,
  };
}
