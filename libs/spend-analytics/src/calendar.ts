/** A date on an organization's calendar, independent of any time zone's offsets. */
export interface LocalDate {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday, as `Date.prototype.getDay`. */
  weekday: number;
}

export type BudgetPeriodUnit = 'daily' | 'weekly' | 'monthly';

export interface BudgetPeriod {
  unit: BudgetPeriodUnit;
  timeZone: string;
  /** First instant of the period: local midnight of its first day (or the first instant of that day, if a DST
   *  change skips midnight). */
  start: Date;
  /** First instant of the next period; the period is [start, end). */
  end: Date;
  /** Stable name of the period, for "once per period" bookkeeping: `monthly:2025-06-01`. */
  key: string;
}

export interface PeriodOptions {
  /** First day of a weekly period, 0 = Sunday … 6 = Saturday; ISO weeks (Monday) by default. */
  weekStartsOn?: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
      // h23: midnight is 00, never the 24 that `hour12: false` prints in some engines.
      hourCycle: 'h23',
      era: 'short',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Whether `timeZone` is an IANA zone this runtime knows (`Europe/Paris`, `UTC`), to validate settings. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall clock of `instant` in `timeZone`, read from the runtime's tz database. */
export function localDateTime(instant: Date, timeZone: string): LocalDateTime {
  const parts: Record<string, string> = {};
  for (const part of formatFor(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  return {
    year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday],
  };
}

/** `2025-06-03`: the key of a local day, for bucketing spend by the organization's calendar. */
export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

export function localDayKey(instant: Date, timeZone: string): string {
  return formatLocalDate(localDateTime(instant, timeZone));
}

/** Calendar arithmetic on dates alone (no zone involved): `addDays({2025, 2, 28}, 1)` is March 1st. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** Milliseconds the zone is ahead of UTC at `instant` (Paris in summer: +7 200 000). */
function offsetAt(instant: number, timeZone: string): number {
  const l = localDateTime(new Date(instant), timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The first instant of a local day. Local midnight usually exists once: the UTC instant is midnight minus the
 * offset in force, and trying the offsets of the day before and the day after finds it across a DST change.
 * Where a change skips midnight (clocks jump from 23:59:59 to 01:00, as in Santiago or Beirut), the day
 * starts at the jump: found by bisection, to the second.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const midnight = Date.UTC(date.year, date.month - 1, date.day);
  const offsets = [offsetAt(midnight - DAY, timeZone), offsetAt(midnight + DAY, timeZone), offsetAt(midnight, timeZone)];
  const exact = [...new Set(offsets.map((o) => midnight - o))]
    .filter((t) => {
      const l = localDateTime(new Date(t), timeZone);
      return compareDates(l, date) === 0 && l.hour === 0 && l.minute === 0 && l.second === 0;
    })
    .sort((a, b) => a - b);
  if (exact.length) return new Date(exact[0]);

  let before = midnight - 16 * HOUR;
  let after = midnight + 16 * HOUR;
  while (after - before > 1000) {
    const mid = before + Math.floor((after - before) / 2000) * 1000;
    if (compareDates(localDateTime(new Date(mid), timeZone), date) >= 0) after = mid;
    else before = mid;
  }
  return new Date(after);
}

/** The daily, weekly or monthly budget period, on the calendar of `timeZone`, that contains `instant`. */
export function periodContaining(instant: Date, unit: BudgetPeriodUnit, timeZone: string, options: PeriodOptions = {}): BudgetPeriod {
  const today = localDateTime(instant, timeZone);
  let first: LocalDate;
  let next: LocalDate;
  switch (unit) {
    case 'daily':
      first = today;
      next = addDays(today, 1);
      break;
    case 'weekly': {
      const weekStartsOn = options.weekStartsOn ?? 1;
      if (!Number.isInteger(weekStartsOn) || weekStartsOn < 0 || weekStartsOn > 6) {
        throw new RangeError('weekStartsOn must be an integer from 0 (Sunday) to 6 (Saturday)');
      }
      first = addDays(today, -((today.weekday - weekStartsOn + 7) % 7));
      next = addDays(first, 7);
      break;
    }
    case 'monthly':
      first = { year: today.year, month: today.month, day: 1 };
      next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
      break;
    default: {
      const unknown: never = unit;
      throw new RangeError(`unknown period unit ${String(unknown)}`);
    }
  }
  return {
    unit,
    timeZone,
    start: startOfLocalDay(first, timeZone),
    end: startOfLocalDay(next, timeZone),
    key: `${unit}:${formatLocalDate(first)}`,
  };
}
