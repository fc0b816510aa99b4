/** Granularities of the rollups: a rollup of a grain answers exactly the whole buckets of that grain (UTC). */
export type Grain = 'month' | 'day' | 'hour';

export interface Interval {
  from: Date;
  to: Date;
}

/** A part of a query's sum: the rows of one source over an interval, added (1) or subtracted (-1). */
export interface RangePiece extends Interval {
  source: Grain | 'records';
  sign: 1 | -1;
}

const COARSE_FIRST: readonly Grain[] = ['month', 'day', 'hour'];
const MS = { day: 86_400_000, hour: 3_600_000 } as const;
/**
 * What an hour of records costs to read next to one bucket of a rollup: a busy organization has thousands of records
 * an hour where a rollup bucket has one row per key.
 */
const RECORD_HOUR_COST = 50;
/** A little per piece, so that of two equal plans the one with fewer statements' parts wins. */
const PIECE_COST = 0.01;

/**
 * Plans a sum over `[from, to)` that is exact and reads few rows: whole buckets of the coarsest grain the grouping
 * has, each partial bucket at an edge either from finer grains or as the whole bucket minus what lies outside the
 * range (from finer grains too), whichever reads less; the records for what no bucket fits. Sums are exact either
 * way, since every rollup bucket is the sum of the records in it. Nothing exists yet after `now`, so a bucket that
 * ends in the future costs only its past: "today so far" is today's daily bucket minus the rest of today (no rows),
 * "this month so far" the month's bucket. The signed indicators of the pieces add up to that of `[from, to)`.
 */
export function planRange(from: Date, to: Date, grains: readonly Grain[], now: Date = new Date()): RangePiece[] {
  const levels = COARSE_FIRST.filter((grain) => grains.includes(grain));

  const decompose = (a: Date, b: Date, level: number, sign: 1 | -1): RangePiece[] => {
    if (a.getTime() >= b.getTime()) return [];
    if (level === levels.length) return [{ source: 'records', from: a, to: b, sign }];
    const grain = levels[level];
    const start = ceil(grain, a);
    const end = floor(grain, b);
    if (start.getTime() < end.getTime()) {
      return [...partial(a, start, level, sign), { source: grain, from: start, to: end, sign }, ...partial(end, b, level, sign)];
    }
    if (start.getTime() === end.getTime()) return [...partial(a, start, level, sign), ...partial(end, b, level, sign)];
    return partial(a, b, level, sign);
  };

  /** `[a, b)` lies within one bucket of the level's grain. */
  const partial = (a: Date, b: Date, level: number, sign: 1 | -1): RangePiece[] => {
    if (a.getTime() >= b.getTime()) return [];
    const grain = levels[level];
    const finer = decompose(a, b, level + 1, sign);
    const bucket = { from: floor(grain, a), to: ceil(grain, b) };
    if (bucket.to.getTime() === b.getTime() && bucket.from.getTime() === a.getTime()) {
      return [{ source: grain, from: a, to: b, sign }];
    }
    const negated = (sign * -1) as 1 | -1;
    const whole = [
      { source: grain, ...bucket, sign },
      ...decompose(bucket.from, a, level + 1, negated),
      ...decompose(b, bucket.to, level + 1, negated),
    ];
    return planCost(whole, now) < planCost(finer, now) ? whole : finer;
  };

  return decompose(from, to, 0, 1);
}

/** Roughly the rows a plan reads: one unit per rollup bucket, `RECORD_HOUR_COST` per hour of records, none after `now`. */
export function planCost(pieces: readonly RangePiece[], now: Date): number {
  let cost = 0;
  for (const piece of pieces) {
    cost += PIECE_COST;
    const until = Math.min(piece.to.getTime(), now.getTime());
    if (until <= piece.from.getTime()) continue;
    if (piece.source === 'records') cost += ((until - piece.from.getTime()) / MS.hour) * RECORD_HOUR_COST;
    else cost += buckets(piece.source, piece.from, new Date(until));
  }
  return cost;
}

/** The buckets of a grain that `[from, to)` overlaps (`from` on a bucket's start). */
function buckets(grain: Grain, from: Date, to: Date): number {
  if (grain !== 'month') return Math.ceil((to.getTime() - from.getTime()) / MS[grain]);
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  return months + (floor('month', to).getTime() < to.getTime() ? 1 : 0);
}

/**
 * The bucket a rollup piece is, when it is exactly one bucket of its grain: its rows are those whose bucket is that
 * instant, which an index on the bucket and a key finds by equality (a range of one bucket reads every key of it).
 */
export function oneBucket(piece: RangePiece): Date | undefined {
  if (piece.source === 'records') return undefined;
  const aligned = floor(piece.source, piece.from).getTime() === piece.from.getTime();
  return aligned && ceil(piece.source, new Date(piece.from.getTime() + 1)).getTime() === piece.to.getTime() ? piece.from : undefined;
}

/** The UTC months `[from, to)` overlaps, each as its first instant, in order; past `max` of them, `max + 1` only. */
export function monthsOf(range: Interval, max = Infinity): Date[] {
  const months: Date[] = [];
  if (range.from.getTime() >= range.to.getTime()) return months;
  let month = floor('month', range.from);
  while (month.getTime() < range.to.getTime() && months.length <= max) {
    months.push(month);
    month = ceil('month', new Date(month.getTime() + 1));
  }
  return months;
}

/** The period of the same length that ends where this one starts. */
export function previousPeriod(from: Date, to: Date): Interval {
  const length = to.getTime() - from.getTime();
  return { from: new Date(from.getTime() - length), to: from };
}

function floor(grain: Grain, at: Date): Date {
  if (grain === 'month') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  return new Date(Math.floor(at.getTime() / MS[grain]) * MS[grain]);
}

function ceil(grain: Grain, at: Date): Date {
  const down = floor(grain, at);
  if (down.getTime() === at.getTime()) return down;
  if (grain === 'month') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return new Date(down.getTime() + MS[grain]);
}
