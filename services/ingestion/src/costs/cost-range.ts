/** Granularities of the rollups: a rollup of a grain answers exactly the whole buckets of that grain. */
export type Grain = 'day' | 'hour';

export interface Interval {
  from: Date;
  to: Date;
}

/** Which part of `[from, to)` each source answers: whole days, whole hours, and the records for the rest. */
export interface RangeSplit {
  day: Interval[];
  hour: Interval[];
  records: Interval[];
}

const MS = { day: 86_400_000, hour: 3_600_000 } as const;

/**
 * Splits a query range so that sums over it are exact and cheap: whole UTC days from the daily rollup (when the
 * grains allow it), the whole hours around them from the hourly rollup, and only the minutes at the edges from the
 * records. The parts are disjoint and cover `[from, to)` exactly.
 */
export function splitRange(from: Date, to: Date, grains: readonly Grain[]): RangeSplit {
  const split: RangeSplit = { day: [], hour: [], records: [] };
  let rest: Interval[] = [{ from, to }];
  for (const grain of ['day', 'hour'] as const) {
    if (!grains.includes(grain)) continue;
    const next: Interval[] = [];
    for (const part of rest) {
      const start = ceil(part.from, MS[grain]);
      const end = floor(part.to, MS[grain]);
      if (start.getTime() >= end.getTime()) {
        next.push(part);
        continue;
      }
      split[grain].push({ from: start, to: end });
      next.push({ from: part.from, to: start }, { from: end, to: part.to });
    }
    rest = next;
  }
  split.records = rest.filter((part) => part.from.getTime() < part.to.getTime());
  return split;
}

/** The period of the same length that ends where this one starts. */
export function previousPeriod(from: Date, to: Date): Interval {
  const length = to.getTime() - from.getTime();
  return { from: new Date(from.getTime() - length), to: from };
}

function floor(at: Date, unit: number): Date {
  return new Date(Math.floor(at.getTime() / unit) * unit);
}

function ceil(at: Date, unit: number): Date {
  return new Date(Math.ceil(at.getTime() / unit) * unit);
}
