import { monthsOf, oneBucket, planRange, previousPeriod, type Grain, type RangePiece } from './cost-range';

const d = (iso: string) => new Date(iso);
const show = (pieces: RangePiece[]) =>
  pieces.map((p) => `${p.sign < 0 ? '-' : '+'}${p.source} ${p.from.toISOString()} ${p.to.toISOString()}`);
/** Long after every range below: no bucket is in the future. */
const LATER = d('2030-01-01T00:00:00Z');

/** How many times the pieces count the instant `at`, subtracted pieces negatively. */
const coverage = (pieces: RangePiece[], at: number) =>
  pieces.reduce((n, p) => n + (p.from.getTime() <= at && at < p.to.getTime() ? p.sign : 0), 0);

describe('planRange', () => {
  it('reads whole days from the daily rollup, whole hours around them from the hourly one, the edges from the records', () => {
    // The first day is most of a day: the whole day minus its first hours and minutes reads less.
    expect(show(planRange(d('2025-06-01T10:30:00Z'), d('2025-06-04T02:15:00Z'), ['day', 'hour'], LATER))).toEqual([
      '+day 2025-06-01T00:00:00.000Z 2025-06-02T00:00:00.000Z',
      '-hour 2025-06-01T00:00:00.000Z 2025-06-01T10:00:00.000Z',
      '-records 2025-06-01T10:00:00.000Z 2025-06-01T10:30:00.000Z',
      '+day 2025-06-02T00:00:00.000Z 2025-06-04T00:00:00.000Z',
      '+hour 2025-06-04T00:00:00.000Z 2025-06-04T02:00:00.000Z',
      '+records 2025-06-04T02:00:00.000Z 2025-06-04T02:15:00.000Z',
    ]);
  });

  it('needs no records for an aligned range, and no hours for whole days', () => {
    expect(show(planRange(d('2025-06-01T00:00:00Z'), d('2025-06-03T00:00:00Z'), ['day', 'hour'], LATER))).toEqual([
      '+day 2025-06-01T00:00:00.000Z 2025-06-03T00:00:00.000Z',
    ]);
  });

  it('reads today so far as the whole of today minus the rest of it, which holds nothing yet', () => {
    const now = d('2025-06-05T22:04:48.816Z');
    expect(show(planRange(d('2025-05-07T00:00:00Z'), now, ['day', 'hour'], now))).toEqual([
      '+day 2025-05-07T00:00:00.000Z 2025-06-05T00:00:00.000Z',
      '+day 2025-06-05T00:00:00.000Z 2025-06-06T00:00:00.000Z',
      '-records 2025-06-05T22:04:48.816Z 2025-06-05T23:00:00.000Z',
      '-hour 2025-06-05T23:00:00.000Z 2025-06-06T00:00:00.000Z',
    ]);
    // The same range read long after: the rest of that day has its rows, read from the hourly rollup.
    expect(show(planRange(d('2025-06-05T00:00:00Z'), now, ['day', 'hour'], LATER))).toEqual([
      '+day 2025-06-05T00:00:00.000Z 2025-06-06T00:00:00.000Z',
      '-hour 2025-06-05T22:00:00.000Z 2025-06-05T23:00:00.000Z',
      '+records 2025-06-05T22:00:00.000Z 2025-06-05T22:04:48.816Z',
      '-hour 2025-06-05T23:00:00.000Z 2025-06-06T00:00:00.000Z',
    ]);
    // A day's first hours only: from the hourly rollup.
    expect(show(planRange(d('2025-06-05T00:00:00Z'), d('2025-06-05T03:00:00Z'), ['day', 'hour'], LATER))).toEqual([
      '+hour 2025-06-05T00:00:00.000Z 2025-06-05T03:00:00.000Z',
    ]);
  });

  it('reads an edge month as the month minus the days outside the range when that is fewer days', () => {
    const now = d('2025-12-05T22:04:48.816Z');
    expect(show(planRange(d('2025-11-06T00:00:00Z'), now, ['month', 'day'], now))).toEqual([
      '+month 2025-11-01T00:00:00.000Z 2025-12-01T00:00:00.000Z',
      '-day 2025-11-01T00:00:00.000Z 2025-11-06T00:00:00.000Z',
      '+month 2025-12-01T00:00:00.000Z 2026-01-01T00:00:00.000Z',
      '-records 2025-12-05T22:04:48.816Z 2025-12-06T00:00:00.000Z',
      '-day 2025-12-06T00:00:00.000Z 2026-01-01T00:00:00.000Z',
    ]);
    // Most of a month outside the range: its days instead.
    expect(show(planRange(d('2025-11-25T00:00:00Z'), d('2025-12-03T00:00:00Z'), ['month', 'day'], LATER))).toEqual([
      '+day 2025-11-25T00:00:00.000Z 2025-12-01T00:00:00.000Z',
      '+day 2025-12-01T00:00:00.000Z 2025-12-03T00:00:00.000Z',
    ]);
  });

  it('falls back to hours, then to records, when a range holds no whole day or hour', () => {
    expect(show(planRange(d('2025-06-01T10:30:00Z'), d('2025-06-01T13:10:00Z'), ['day', 'hour'], LATER))).toEqual([
      '+records 2025-06-01T10:30:00.000Z 2025-06-01T11:00:00.000Z',
      '+hour 2025-06-01T11:00:00.000Z 2025-06-01T13:00:00.000Z',
      '+records 2025-06-01T13:00:00.000Z 2025-06-01T13:10:00.000Z',
    ]);
    expect(show(planRange(d('2025-06-01T10:30:00Z'), d('2025-06-01T10:40:00Z'), ['day', 'hour'], LATER))).toEqual([
      '+records 2025-06-01T10:30:00.000Z 2025-06-01T10:40:00.000Z',
    ]);
  });

  it('uses only the grains a grouping has rollups for', () => {
    const sources = (grains: Grain[]) =>
      new Set(planRange(d('2025-05-30T10:30:00Z'), d('2025-07-03T02:00:00Z'), grains, LATER).map((p) => p.source));
    expect(sources(['day'])).toEqual(new Set(['day', 'records']));
    expect(sources(['hour'])).toEqual(new Set(['hour', 'records']));
    expect(sources([])).toEqual(new Set(['records']));
  });

  it('counts every instant of the range once and nothing outside it, whatever its bounds, grains and now', () => {
    const bounds = [
      '2025-05-31T23:59:59.999Z',
      '2025-06-01T00:00:00.000Z',
      '2025-06-01T00:00:00.001Z',
      '2025-06-01T10:59:59.999Z',
      '2025-06-02T00:00:00Z',
      '2025-06-09T23:30:00Z',
      '2025-06-30T13:00:00Z',
      '2025-07-01T00:00:00Z',
      '2025-08-15T06:45:00Z',
    ];
    const grainSets: Grain[][] = [['month', 'day', 'hour'], ['month', 'day'], ['day', 'hour'], ['day'], ['hour'], []];
    for (const now of [...bounds.map(d), LATER]) {
      for (const grains of grainSets) {
        for (const from of bounds) {
          for (const to of bounds) {
            if (from >= to) continue;
            const pieces = planRange(d(from), d(to), grains, now);
            const points = new Set([d(from).getTime(), d(to).getTime(), ...pieces.flatMap((p) => [p.from.getTime(), p.to.getTime()])]);
            for (const at of [...points].flatMap((t) => [t - 1, t])) {
              const inside = at >= d(from).getTime() && at < d(to).getTime();
              expect([from, to, at, coverage(pieces, at)]).toEqual([from, to, at, inside ? 1 : 0]);
            }
          }
        }
      }
    }
  });
});

describe('oneBucket', () => {
  const piece = (source: RangePiece['source'], from: string, to: string): RangePiece => ({ source, from: d(from), to: d(to), sign: 1 });

  it('is the bucket of a piece that is exactly one bucket of its grain', () => {
    expect(oneBucket(piece('month', '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z'))).toEqual(d('2025-02-01T00:00:00Z'));
    expect(oneBucket(piece('month', '2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z'))).toEqual(d('2025-12-01T00:00:00Z'));
    expect(oneBucket(piece('day', '2025-02-28T00:00:00Z', '2025-03-01T00:00:00Z'))).toEqual(d('2025-02-28T00:00:00Z'));
    expect(oneBucket(piece('hour', '2025-02-28T23:00:00Z', '2025-03-01T00:00:00Z'))).toEqual(d('2025-02-28T23:00:00Z'));
  });

  it('is none for several buckets, a part of one, or the records', () => {
    expect(oneBucket(piece('month', '2025-02-01T00:00:00Z', '2025-04-01T00:00:00Z'))).toBeUndefined();
    expect(oneBucket(piece('day', '2025-02-01T00:00:00Z', '2025-02-03T00:00:00Z'))).toBeUndefined();
    expect(oneBucket(piece('day', '2025-02-01T00:00:00Z', '2025-02-01T12:00:00Z'))).toBeUndefined();
    expect(oneBucket(piece('hour', '2025-02-01T00:30:00Z', '2025-02-01T01:30:00Z'))).toBeUndefined();
    expect(oneBucket(piece('records', '2025-02-01T00:00:00Z', '2025-02-02T00:00:00Z'))).toBeUndefined();
  });
});

describe('previousPeriod', () => {
  it('is the period of the same length just before', () => {
    expect(previousPeriod(d('2025-06-10T00:00:00Z'), d('2025-06-17T12:00:00Z'))).toEqual({
      from: d('2025-06-02T12:00:00Z'),
      to: d('2025-06-10T00:00:00Z'),
    });
  });
});

describe('monthsOf', () => {
  it('is every UTC month a range overlaps, in order, however it is cut', () => {
    const months = (from: string, to: string, max?: number) => monthsOf({ from: d(from), to: d(to) }, max).map((m) => m.toISOString());
    expect(months('2025-11-08T00:00:00Z', '2025-12-07T06:48:03Z')).toEqual(['2025-11-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z']);
    expect(months('2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z')).toEqual(['2025-12-01T00:00:00.000Z']);
    expect(months('2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00.001Z')).toEqual([
      '2025-12-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
    ]);
    expect(months('2024-01-31T00:00:00Z', '2024-03-02T00:00:00Z')).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
    expect(months('2025-06-10T00:00:00Z', '2025-06-10T00:00:00Z')).toEqual([]);
  });

  it('stops one past the most asked for', () => {
    expect(monthsOf({ from: d('2000-01-01T00:00:00Z'), to: d('2999-01-01T00:00:00Z') }, 13)).toHaveLength(14);
  });
});
