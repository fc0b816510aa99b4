import { previousPeriod, splitRange, type Interval } from './cost-range';

const d = (iso: string) => new Date(iso);
const show = (intervals: Interval[]) => intervals.map((i) => `${i.from.toISOString()} ${i.to.toISOString()}`);

describe('splitRange', () => {
  it('reads whole days from the daily rollup, whole hours around them from the hourly one, the edges from the records', () => {
    const split = splitRange(d('2025-06-01T10:30:00Z'), d('2025-06-04T02:15:00Z'), ['day', 'hour']);
    expect(show(split.day)).toEqual(['2025-06-02T00:00:00.000Z 2025-06-04T00:00:00.000Z']);
    expect(show(split.hour)).toEqual([
      '2025-06-01T11:00:00.000Z 2025-06-02T00:00:00.000Z',
      '2025-06-04T00:00:00.000Z 2025-06-04T02:00:00.000Z',
    ]);
    expect(show(split.records)).toEqual([
      '2025-06-01T10:30:00.000Z 2025-06-01T11:00:00.000Z',
      '2025-06-04T02:00:00.000Z 2025-06-04T02:15:00.000Z',
    ]);
  });

  it('needs no records for an aligned range, and no hours for whole days', () => {
    expect(splitRange(d('2025-06-01T00:00:00Z'), d('2025-06-03T00:00:00Z'), ['day', 'hour'])).toEqual({
      day: [{ from: d('2025-06-01T00:00:00Z'), to: d('2025-06-03T00:00:00Z') }],
      hour: [],
      records: [],
    });
  });

  it('falls back to hours, then to records, when a range holds no whole day or hour', () => {
    const hours = splitRange(d('2025-06-01T10:30:00Z'), d('2025-06-01T13:10:00Z'), ['day', 'hour']);
    expect(hours.day).toEqual([]);
    expect(show(hours.hour)).toEqual(['2025-06-01T11:00:00.000Z 2025-06-01T13:00:00.000Z']);
    const minutes = splitRange(d('2025-06-01T10:30:00Z'), d('2025-06-01T10:40:00Z'), ['day', 'hour']);
    expect(minutes).toEqual({ day: [], hour: [], records: [{ from: d('2025-06-01T10:30:00Z'), to: d('2025-06-01T10:40:00Z') }] });
  });

  it('uses only the grains a grouping has rollups for', () => {
    const daysOnly = splitRange(d('2025-06-01T10:30:00Z'), d('2025-06-03T02:00:00Z'), ['day']);
    expect(daysOnly.hour).toEqual([]);
    expect(show(daysOnly.records)).toEqual([
      '2025-06-01T10:30:00.000Z 2025-06-02T00:00:00.000Z',
      '2025-06-03T00:00:00.000Z 2025-06-03T02:00:00.000Z',
    ]);
    const hoursOnly = splitRange(d('2025-06-01T10:30:00Z'), d('2025-06-03T02:00:00Z'), ['hour']);
    expect(hoursOnly.day).toEqual([]);
    expect(show(hoursOnly.hour)).toEqual(['2025-06-01T11:00:00.000Z 2025-06-03T02:00:00.000Z']);
  });

  it('covers the range exactly, without overlap, whatever its bounds', () => {
    const bounds = [
      '2025-06-01T00:00:00.000Z',
      '2025-06-01T00:00:00.001Z',
      '2025-06-01T10:59:59.999Z',
      '2025-06-02T00:00:00Z',
      '2025-06-09T23:30:00Z',
    ];
    for (const grains of [['day', 'hour'], ['day'], ['hour'], []] as const) {
      for (const from of bounds) {
        for (const to of bounds) {
          if (from >= to) continue;
          const split = splitRange(d(from), d(to), grains);
          const parts = [...split.day, ...split.hour, ...split.records].sort((a, b) => a.from.getTime() - b.from.getTime());
          expect(parts[0].from).toEqual(d(from));
          expect(parts.at(-1)!.to).toEqual(d(to));
          parts.slice(1).forEach((part, i) => expect(part.from).toEqual(parts[i].to));
        }
      }
    }
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
