import { Decimal } from 'decimal.js';
import type { Schemas } from '../api/schema';
import type { StackedSeries } from './StackedBarChart';

type Row = Schemas['CostBreakdownRowDto'];

/**
 * The series of a stacked chart from a split breakdown (groupBy=day&splitBy=model): the `top` largest splits over
 * the whole window, and "Other" for the rest, computed exactly as each bucket's total minus the series shown (so
 * the stacks add up to the bucket totals even where the split rows were cut by the row limit).
 */
export function stackSeries(buckets: string[], totals: readonly Row[], split: readonly Row[], top = 6): StackedSeries[] {
  const index = new Map(buckets.map((b, i) => [b, i]));
  const bySplit = new Map<string, Decimal[]>();
  const overall = new Map<string, Decimal>();
  for (const row of split) {
    const i = index.get(row.key ?? '');
    if (i === undefined) continue;
    const name = row.split ?? '';
    const values = bySplit.get(name) ?? buckets.map(() => new Decimal(0));
    values[i] = values[i].plus(row.cost.amount);
    bySplit.set(name, values);
    overall.set(name, (overall.get(name) ?? new Decimal(0)).plus(row.cost.amount));
  }
  const chosen = [...overall.entries()]
    .filter(([, sum]) => sum.gt(0))
    .sort((a, b) => b[1].comparedTo(a[1]) || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([name]) => name);
  const series: StackedSeries[] = chosen.map((name) => ({ label: name || '(none)', values: bySplit.get(name)!.map((d) => d.toFixed()) }));
  const bucketTotals = buckets.map(() => new Decimal(0));
  for (const row of totals) {
    const i = index.get(row.key ?? '');
    if (i !== undefined) bucketTotals[i] = bucketTotals[i].plus(row.cost.amount);
  }
  const other = bucketTotals.map((total, i) => {
    const shown = chosen.reduce((sum, name) => sum.plus(bySplit.get(name)![i]), new Decimal(0));
    return Decimal.max(0, total.minus(shown));
  });
  if (other.some((d) => d.gt(0))) series.push({ label: 'Other', values: other.map((d) => d.toFixed()) });
  return series;
}

/** Every UTC day from `from` up to `to` (excluded), as the API's day keys. */
export function dayBuckets(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t < to.getTime(); t += 86_400_000) {
    out.push(new Date(t).toISOString());
  }
  return out;
}

/** Every UTC hour from `from` up to `to` (excluded). */
export function hourBuckets(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let t = Math.floor(from.getTime() / 3_600_000) * 3_600_000; t < to.getTime(); t += 3_600_000) out.push(new Date(t).toISOString());
  return out;
}
