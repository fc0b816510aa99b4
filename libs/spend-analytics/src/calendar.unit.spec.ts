import { addDays, isValidTimeZone, localDateTime, localDayKey, periodContaining, startOfLocalDay, type BudgetPeriodUnit } from './calendar';

const iso = (d: Date) => d.toISOString();
const hours = (p: { start: Date; end: Date }) => (p.end.getTime() - p.start.getTime()) / 3_600_000;

describe('periodContaining', () => {
  it.each<[string, BudgetPeriodUnit, string, string, string, string]>([
    ['2025-06-18T09:15:00Z', 'monthly', 'UTC', '2025-06-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z', 'monthly:2025-06-01'],
    ['2025-06-18T09:15:00Z', 'daily', 'UTC', '2025-06-18T00:00:00.000Z', '2025-06-19T00:00:00.000Z', 'daily:2025-06-18'],
    ['2025-06-18T09:15:00Z', 'weekly', 'UTC', '2025-06-16T00:00:00.000Z', '2025-06-23T00:00:00.000Z', 'weekly:2025-06-16'],
    // Local calendar, not UTC's: 23:30 UTC on May 31st is already June 1st in Paris.
    ['2025-05-31T23:30:00Z', 'monthly', 'Europe/Paris', '2025-05-31T22:00:00.000Z', '2025-06-30T22:00:00.000Z', 'monthly:2025-06-01'],
    [
      '2025-06-01T03:00:00Z',
      'monthly',
      'America/Los_Angeles',
      '2025-05-01T07:00:00.000Z',
      '2025-06-01T07:00:00.000Z',
      'monthly:2025-05-01',
    ],
    // A month across the spring change starts at +01:00 and ends at +02:00.
    ['2025-03-15T12:00:00Z', 'monthly', 'Europe/Paris', '2025-02-28T23:00:00.000Z', '2025-03-31T22:00:00.000Z', 'monthly:2025-03-01'],
    ['2025-12-31T23:30:00Z', 'monthly', 'Asia/Tokyo', '2025-12-31T15:00:00.000Z', '2026-01-31T15:00:00.000Z', 'monthly:2026-01-01'],
    ['2025-12-31T20:00:00Z', 'monthly', 'UTC', '2025-12-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'monthly:2025-12-01'],
    ['2025-06-01T12:00:00Z', 'monthly', 'Asia/Kolkata', '2025-05-31T18:30:00.000Z', '2025-06-30T18:30:00.000Z', 'monthly:2025-06-01'],
    ['2025-06-01T12:00:00Z', 'monthly', 'Pacific/Kiritimati', '2025-05-31T10:00:00.000Z', '2025-06-30T10:00:00.000Z', 'monthly:2025-06-01'],
    ['2025-06-01T12:00:00Z', 'monthly', 'Asia/Kathmandu', '2025-05-31T18:15:00.000Z', '2025-06-30T18:15:00.000Z', 'monthly:2025-06-01'],
  ])('%s %s in %s is [%s, %s)', (at, unit, zone, start, end, key) => {
    const period = periodContaining(new Date(at), unit, zone);
    expect([iso(period.start), iso(period.end), period.key]).toEqual([start, end, key]);
  });

  it('gives a spring-forward day 23 hours and a fall-back day 25', () => {
    expect(hours(periodContaining(new Date('2025-03-30T12:00:00Z'), 'daily', 'Europe/Paris'))).toBe(23);
    expect(hours(periodContaining(new Date('2025-10-26T12:00:00Z'), 'daily', 'Europe/Paris'))).toBe(25);
    const fallBack = periodContaining(new Date('2025-11-02T12:00:00Z'), 'daily', 'America/New_York');
    expect([iso(fallBack.start), iso(fallBack.end)]).toEqual(['2025-11-02T04:00:00.000Z', '2025-11-03T05:00:00.000Z']);
    expect(hours(periodContaining(new Date('2025-10-05T12:00:00Z'), 'daily', 'Australia/Lord_Howe'))).toBe(23.5);
  });

  it('starts a day at the jump when a DST change skips midnight (Santiago, Havana)', () => {
    const santiago = periodContaining(new Date('2024-09-08T12:00:00Z'), 'daily', 'America/Santiago');
    expect([iso(santiago.start), iso(santiago.end)]).toEqual(['2024-09-08T04:00:00.000Z', '2024-09-09T03:00:00.000Z']);
    expect(localDateTime(santiago.start, 'America/Santiago')).toMatchObject({ day: 8, hour: 1, minute: 0 });
    const before = periodContaining(new Date('2024-09-07T12:00:00Z'), 'daily', 'America/Santiago');
    expect(iso(before.end)).toBe('2024-09-08T04:00:00.000Z');
    expect(iso(startOfLocalDay({ year: 2025, month: 3, day: 9 }, 'America/Havana'))).toBe('2025-03-09T05:00:00.000Z');
  });

  it('survives a day that a zone skipped altogether (Samoa, 30 December 2011)', () => {
    const dec29 = periodContaining(new Date('2011-12-29T20:00:00Z'), 'daily', 'Pacific/Apia');
    expect([iso(dec29.start), iso(dec29.end)]).toEqual(['2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z']);
    const december = periodContaining(new Date('2011-12-29T20:00:00Z'), 'monthly', 'Pacific/Apia');
    expect(iso(december.end)).toBe('2011-12-31T10:00:00.000Z');
  });

  it('starts weeks on the configured day', () => {
    const sunday = periodContaining(new Date('2025-06-18T09:15:00Z'), 'weekly', 'UTC', { weekStartsOn: 0 });
    expect([iso(sunday.start), sunday.key]).toEqual(['2025-06-15T00:00:00.000Z', 'weekly:2025-06-15']);
    expect(() => periodContaining(new Date(), 'weekly', 'UTC', { weekStartsOn: 7 })).toThrow(RangeError);
  });

  it('contains its instant and starts at local midnight of the right day, in every zone, all year', () => {
    const zones = [
      'UTC',
      'Europe/Paris',
      'America/New_York',
      'America/Santiago',
      'America/St_Johns',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'Pacific/Kiritimati',
      'Africa/Casablanca',
    ];
    let checked = 0;
    for (const zone of zones) {
      for (let t = Date.UTC(2024, 0, 1, 5, 17); t < Date.UTC(2025, 0, 1); t += 29 * 3_600_000 + 7 * 60_000) {
        const at = new Date(t);
        for (const unit of ['daily', 'weekly', 'monthly'] as const) {
          const period = periodContaining(at, unit, zone);
          expect(period.start <= at && at < period.end).toBe(true);
          const first = localDateTime(period.start, zone);
          const last = localDateTime(new Date(period.end.getTime() - 1000), zone);
          const next = localDateTime(period.end, zone);
          if (unit === 'monthly') expect([first.day, next.day, last.month]).toEqual([1, 1, first.month]);
          if (unit === 'weekly') expect([first.weekday, next.weekday]).toEqual([1, 1]);
          if (unit === 'daily') expect(addDays(first, 1)).toEqual({ year: next.year, month: next.month, day: next.day });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(8_000);
  });

  it('refuses an unknown zone', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => periodContaining(new Date(), 'monthly', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('local days', () => {
  it('keys an instant by the local date', () => {
    expect(localDayKey(new Date('2025-05-31T23:30:00Z'), 'Europe/Paris')).toBe('2025-06-01');
    expect(localDayKey(new Date('2025-05-31T23:30:00Z'), 'UTC')).toBe('2025-05-31');
  });

  it('does calendar arithmetic across months, years and leap days', () => {
    expect(addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2025, month: 2, day: 28 }, 1)).toEqual({ year: 2025, month: 3, day: 1 });
    expect(addDays({ year: 2025, month: 1, day: 1 }, -1)).toEqual({ year: 2024, month: 12, day: 31 });
  });
});
