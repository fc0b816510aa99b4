import { parseRfc3339, type FieldError } from '@llmlab/contracts';

const DAY_MS = 86_400_000;

/** The longest range a day-by-day reading (recorded spend, a reconciliation) answers: a year and a month. */
export const MAX_UTC_DAYS = 400;

/**
 * The whole UTC days a requested `[from, to)` touches (what providers bill by), widened outwards; what is wrong
 * with the range is pushed onto `errors`, field by field (`/from`, `/to`).
 */
export function wholeUtcDays(request: { from?: unknown; to?: unknown }, errors: FieldError[]): { from: Date; to: Date } {
  const from = typeof request.from === 'string' ? parseRfc3339(request.from) : undefined;
  const to = typeof request.to === 'string' ? parseRfc3339(request.to) : undefined;
  if (from === undefined) errors.push({ field: '/from', message: 'must be an RFC 3339 date-time' });
  if (to === undefined) errors.push({ field: '/to', message: 'must be an RFC 3339 date-time' });
  const start = Math.floor((from ?? 0) / DAY_MS) * DAY_MS;
  const end = Math.ceil((to ?? 0) / DAY_MS) * DAY_MS;
  if (from !== undefined && to !== undefined) {
    if (from >= to) errors.push({ field: '/to', message: 'must be after from' });
    else if (end - start > MAX_UTC_DAYS * DAY_MS) {
      errors.push({ field: '/to', message: `the range may touch at most ${MAX_UTC_DAYS} UTC days` });
    }
  }
  return { from: new Date(start), to: new Date(end) };
}
