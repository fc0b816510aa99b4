/** Ranges are [from, to) in UTC, as the API sums them; days are UTC days. */
export const DAY_MS = 86_400_000;

export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function startOfUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function startOfNextUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** `2025-06-01` */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export interface Range {
  from: string;
  to: string;
}

export type RangePreset = '24h' | '7d' | '30d' | 'mtd' | 'last-month';
export const RANGE_PRESETS: { value: RangePreset; label: string }[] = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'mtd', label: 'Month to date' },
  { value: 'last-month', label: 'Last month' },
];

/**
 * A preset's range, ending at the next whole minute so that a range (and the query keys made from it) stays the same
 * for a minute and the cache can answer.
 */
export function presetRange(preset: RangePreset, now = new Date()): Range {
  const to = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
  const iso = (d: Date) => d.toISOString();
  switch (preset) {
    case '24h':
      return { from: iso(new Date(to.getTime() - DAY_MS)), to: iso(to) };
    case '7d':
      return { from: iso(addDays(startOfUtcDay(now), -6)), to: iso(to) };
    case '30d':
      return { from: iso(addDays(startOfUtcDay(now), -29)), to: iso(to) };
    case 'mtd':
      return { from: iso(startOfUtcMonth(now)), to: iso(to) };
    case 'last-month': {
      const end = startOfUtcMonth(now);
      return { from: iso(startOfUtcMonth(new Date(end.getTime() - 1))), to: iso(end) };
    }
  }
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const dayOnly = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** `4 Dec 2026, 07:30 UTC` */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? `${dateTime.format(new Date(iso))} UTC` : '—';
}

const compact = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** `4 Dec, 07:58` (UTC): for table cells, where the column says UTC. */
export function formatShortDateTime(iso: string): string {
  return compact.format(new Date(iso));
}

/** `4 Dec` (UTC) */
export function formatDay(iso: string): string {
  return dayOnly.format(new Date(iso));
}
