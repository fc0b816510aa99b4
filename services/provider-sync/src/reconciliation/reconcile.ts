import type {
  ReconciliationGroupBy,
  ReconciliationReport,
  ReconciliationRow,
  ReconciliationStatus,
  ReconciliationTolerance,
  TokenCounts,
  TokenReconciliationRow,
} from '@llmlab/contracts';
import { Money, toMoneyString } from '@llmlab/domain';

const DAY_MS = 86_400_000;

/** One side's amount for a day, a provider and (with groupBy model or project) a key; `''` for no key. */
export interface SpendFigure {
  day: string;
  provider: string;
  key: string;
  amount: string;
}

/** A range `[from, to)` a completed import covered. */
export interface CoveredRange {
  from: Date;
  to: Date;
}

/**
 * Per provider, the ranges each of its connections' completed imports covered (one list per connection). A day
 * before a connection's first import, or in a gap between its runs, was never imported: it is not "matched at zero".
 */
export type Coverage = ReadonlyMap<string, ReadonlyArray<ReadonlyArray<CoveredRange>>>;

export interface ReconcileInput {
  /** Whole UTC days, `[from, to)`. */
  days: { from: Date; to: Date };
  groupBy: ReconciliationGroupBy;
  /** Providers reconciled: those the organization has a connection for (after the request's filter). */
  providers: readonly string[];
  billed: readonly SpendFigure[];
  recorded: readonly SpendFigure[];
  /** What the completed imports covered, per provider and connection. */
  coverage: Coverage;
  tolerance: ReconciliationTolerance;
  now: Date;
}

const usd = (value: Money) => ({ amount: toMoneyString(value), currency: 'USD' as const });

/** delta / billed in percent, two decimals; null when nothing was billed. */
function percentOf(delta: Money, billed: Money): string | null {
  return billed.isZero() ? null : delta.div(billed).times(100).toDecimalPlaces(2, Money.ROUND_HALF_EVEN).toFixed(2);
}

/** The status of a complete, covered day's figures under the tolerance: matched within either bound. */
export function classify(billed: Money, recorded: Money, tolerance: ReconciliationTolerance): Exclude<ReconciliationStatus, 'pending'> {
  const delta = billed.minus(recorded);
  const allowed = Money.max(new Money(tolerance.amount), billed.abs().times(tolerance.percent).div(100));
  if (delta.abs().lte(allowed)) return 'matched';
  return delta.gt(0) ? 'unrecorded' : 'overrecorded';
}

/** A UTC day is pending until it is over and an import of every connection of its provider has covered all of it. */
export function isPending(day: string, provider: string, coverage: Coverage, now: Date): boolean {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  const end = start + DAY_MS;
  if (end > now.getTime()) return true;
  const connections = coverage.get(provider);
  if (!connections?.length) return true;
  return connections.some((ranges) => !ranges.some((r) => r.from.getTime() <= start && end <= r.to.getTime()));
}

export function utcDays(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * Reconciles billed against recorded spend, exactly (decimal strings in, decimal strings out). Grouped by day,
 * every day of the range has a row per provider (a day with nothing on either side is matched at zero, or
 * pending); grouped by model or project, the rows are the keys either side has. Totals leave pending rows out.
 */
export function reconcile(input: ReconcileInput): Pick<ReconciliationReport, 'rows' | 'totals'> {
  const cells = new Map<string, { day: string; provider: string; key: string; billed: Money; recorded: Money }>();
  const providers = new Set(input.providers);
  // Figures finer than the grouping (by model, when grouping by day) add up into their day's row.
  const cell = (f: SpendFigure) => {
    const key = input.groupBy === 'day' ? '' : f.key;
    const id = JSON.stringify([f.day, f.provider, key]);
    let found = cells.get(id);
    if (!found) cells.set(id, (found = { day: f.day, provider: f.provider, key, billed: new Money(0), recorded: new Money(0) }));
    return found;
  };
  if (input.groupBy === 'day') {
    for (const day of utcDays(input.days.from, input.days.to)) {
      for (const provider of providers) cell({ day, provider, key: '', amount: '0' });
    }
  }
  for (const f of input.billed) {
    if (!providers.has(f.provider)) continue;
    const c = cell(f);
    c.billed = c.billed.plus(f.amount);
  }
  for (const f of input.recorded) {
    if (!providers.has(f.provider)) continue;
    const c = cell(f);
    c.recorded = c.recorded.plus(f.amount);
  }

  const counts: Record<ReconciliationStatus, number> = { matched: 0, unrecorded: 0, overrecorded: 0, pending: 0 };
  let billed = new Money(0);
  let recorded = new Money(0);
  let unrecorded = new Money(0);
  let overrecorded = new Money(0);
  const rows: ReconciliationRow[] = [...cells.values()]
    .sort((a, b) => cmp(a.day, b.day) || cmp(a.provider, b.provider) || cmp(a.key, b.key))
    .map((c) => {
      const delta = c.billed.minus(c.recorded);
      const status = isPending(c.day, c.provider, input.coverage, input.now) ? 'pending' : classify(c.billed, c.recorded, input.tolerance);
      counts[status] += 1;
      if (status !== 'pending') {
        billed = billed.plus(c.billed);
        recorded = recorded.plus(c.recorded);
      }
      if (status === 'unrecorded') unrecorded = unrecorded.plus(delta);
      if (status === 'overrecorded') overrecorded = overrecorded.minus(delta);
      return {
        day: c.day,
        provider: c.provider,
        ...(input.groupBy === 'model' ? { model: c.key } : {}),
        ...(input.groupBy === 'project' ? { projectId: c.key === '' ? null : c.key } : {}),
        recorded: usd(c.recorded),
        billed: usd(c.billed),
        delta: usd(delta),
        deltaPercent: percentOf(delta, c.billed),
        status,
      };
    });
  const delta = billed.minus(recorded);
  return {
    rows,
    totals: {
      recorded: usd(recorded),
      billed: usd(billed),
      delta: usd(delta),
      deltaPercent: percentOf(delta, billed),
      unrecorded: usd(unrecorded),
      overrecorded: usd(overrecorded),
      rows: counts,
    },
  };
}

/** One side's tokens of a model on a day. */
export interface TokenFigure {
  day: string;
  provider: string;
  model: string;
  counts: TokenCounts;
}

/**
 * Recorded against reported tokens per model and day, where the provider reports tokens. A row matches when
 * every count is within the tolerance's percent of the reported count (tokens have no absolute bound).
 */
export function reconcileTokens(input: {
  recorded: readonly TokenFigure[];
  reported: readonly TokenFigure[];
  coverage: Coverage;
  tolerancePercent: string;
  now: Date;
}): TokenReconciliationRow[] {
  const zero = (): TokenCounts => ({ input: 0, output: 0, cachedInput: 0, requests: 0 });
  const cells = new Map<string, { day: string; provider: string; model: string; recorded: TokenCounts; reported: TokenCounts }>();
  const add = (f: TokenFigure, side: 'recorded' | 'reported') => {
    const id = JSON.stringify([f.day, f.provider, f.model]);
    let c = cells.get(id);
    if (!c) cells.set(id, (c = { day: f.day, provider: f.provider, model: f.model, recorded: zero(), reported: zero() }));
    for (const k of ['input', 'output', 'cachedInput', 'requests'] as const) c[side][k] += f.counts[k];
  };
  const providers = new Set(input.reported.map((f) => f.provider));
  for (const f of input.reported) add(f, 'reported');
  for (const f of input.recorded) if (providers.has(f.provider)) add(f, 'recorded');
  return [...cells.values()]
    .sort((a, b) => cmp(a.day, b.day) || cmp(a.provider, b.provider) || cmp(a.model, b.model))
    .map((c) => {
      const delta = {
        input: c.reported.input - c.recorded.input,
        output: c.reported.output - c.recorded.output,
        cachedInput: c.reported.cachedInput - c.recorded.cachedInput,
        requests: c.reported.requests - c.recorded.requests,
      };
      let status: ReconciliationStatus = 'matched';
      if (isPending(c.day, c.provider, input.coverage, input.now)) status = 'pending';
      else {
        const out = (['input', 'output', 'cachedInput'] as const).filter((k) =>
          new Money(Math.abs(delta[k])).gt(new Money(c.reported[k]).times(input.tolerancePercent).div(100)),
        );
        if (out.length > 0) status = delta[out[0]] > 0 ? 'unrecorded' : 'overrecorded';
      }
      return { day: c.day, provider: c.provider, model: c.model, recorded: c.recorded, reported: c.reported, delta, status };
    });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
