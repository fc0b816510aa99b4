import { parseRfc3339, type UsageCounts } from '@llmlab/contracts';
import { isDecimalString, Money, sumMoney, toMoneyString } from '@llmlab/domain';
import { batchDiscount, BATCH_DISCOUNTS, type BatchDiscount } from './batch-discounts';
import { checkUsage, computeTrafficCost } from './cost-calculator';
import type { ModelRef } from './model-equivalence';
import { normalizeModelId, resolvePrice, type PriceCatalog } from './price-catalog';
import { PricingError, PricingErrorCode } from './pricing.errors';
import { normalizeProvider } from './provider-names';

/**
 * Observed traffic of one model, one tag value and one UTC day (or one instant), summed: what a usage rollup holds.
 * Exactly one of `day` and `at` is given.
 */
export interface TrafficRow {
  readonly provider: string;
  readonly model: string;
  /** The value of the tag the caller groups by (the platform's `feature` tag); absent or `''`: untagged. */
  readonly tag?: string;
  /** `YYYY-MM-DD`, UTC: the calls of that day, priced at the prices in force at 00:00 UTC that day. */
  readonly day?: string;
  /** RFC 3339: calls summed over a shorter span (an hour), priced at the prices in force at that instant. */
  readonly at?: string;
  /** How many calls the counts sum (at least one). */
  readonly calls: number;
  /** Their summed token counts, in the platform's convention (docs/pricing.md, "Token convention"). */
  readonly usage: UsageCounts;
  /** What they were recorded to cost, USD as a decimal string; `null` when some of them were unpriced. */
  readonly cost: string | null;
}

/** Which traffic a change applies to; an absent field matches any value. */
export interface TrafficScope {
  readonly provider?: string;
  readonly model?: string;
  /** `''` matches untagged traffic only. */
  readonly tag?: string;
}

/** The traffic of `match` (all its tags when `tag` is absent) sent to model `use` instead. */
export interface Substitution {
  readonly match: { readonly provider: string; readonly model: string; readonly tag?: string };
  readonly use: ModelRef;
}

/**
 * Prompt caching turned on. Of each call's input that was neither cached nor cache-written (text only: audio and
 * image stay as they were), `cachedShare` is assumed read from the cache and `cacheWriteShare` written to it (the
 * misses that create the entries). Each is a decimal string from 0 to 1, and their sum is at most 1. Read tokens are
 * rounded down and written tokens up, so the saving is never overstated. The price decides what each costs: a model
 * whose price has no cache-write rate (OpenAI's automatic caching) bills written tokens as plain input; one without
 * a cached-input rate bills read tokens as plain input, and caching then saves nothing.
 */
export interface PromptCachingChange {
  readonly cachedShare: string;
  /** Default `"0"`. */
  readonly cacheWriteShare?: string;
  /** Anthropic's cache entries live 5 minutes (the default) or, written at a higher rate, 1 hour. */
  readonly cacheWriteTtl?: '5m' | '1h';
  /** Default: all traffic. Matched against the traffic as observed, before substitutions. */
  readonly scope?: TrafficScope;
}

/**
 * A share of the calls (`"1"`, the default: all of them) sent to the target provider's batch endpoint at its
 * discount (`BATCH_DISCOUNTS`). Traffic whose target provider has no batch discount is left at its price and its row
 * says so (`batchUnavailable`).
 */
export interface BatchChange {
  readonly share?: string;
  /** Default: all traffic. Matched against the traffic as observed, before substitutions. */
  readonly scope?: TrafficScope;
}

export interface WhatIfChanges {
  readonly substitutions?: readonly Substitution[];
  readonly promptCaching?: PromptCachingChange;
  readonly batch?: BatchChange;
}

/** The prices to reprice with: the catalog, and the organization's own prices, which win (as when recording). */
export interface WhatIfPricing {
  readonly catalog: PriceCatalog;
  readonly organizationOverrides?: PriceCatalog;
  /** Default `BATCH_DISCOUNTS`. */
  readonly batchDiscounts?: Readonly<Record<string, BatchDiscount>>;
}

/** One observed model sent to one target (the observed model itself when no substitution applies). */
export interface WhatIfRow {
  /** As observed: provider id and model id, normalized (lower case). */
  readonly provider: string;
  readonly model: string;
  readonly target: ModelRef;
  readonly calls: number;
  /** Calls that a change (substitution, caching or batch) applies to; the others cost what they cost. */
  readonly changedCalls: number;
  /** Recorded cost; `null` when some of the calls were recorded unpriced. */
  readonly actualCost: string | null;
  /** Cost under the changes; `null` when some of it cannot be known: see `unpricedDays` and `actualCost`. */
  readonly projectedCost: string | null;
  /** `projectedCost − actualCost`: negative is a saving. `null` when either is. */
  readonly difference: string | null;
  /** UTC days whose changed traffic the target has no price for: never counted as $0. */
  readonly unpricedDays: readonly string[];
  /** Calls the batch change applied to whose target provider has no batch discount. */
  readonly batchUnavailable: boolean;
}

export interface WhatIfTotals {
  readonly calls: number;
  /** Sums over every row; `null` when a row's is. */
  readonly actualCost: string | null;
  readonly projectedCost: string | null;
  readonly difference: string | null;
  /** The same sums over the rows whose actual and projected costs are both known, so that they compare. */
  readonly comparable: {
    readonly rows: number;
    readonly calls: number;
    readonly actualCost: string;
    readonly projectedCost: string;
    readonly difference: string;
  };
  /** Rows whose projected cost is unknown because the target has no price. */
  readonly unpricedRows: number;
}

export interface WhatIfResult {
  /** By observed provider and model, then target provider and model. */
  readonly rows: readonly WhatIfRow[];
  readonly totals: WhatIfTotals;
}

/** A candidate model of `compareModels`, with all the traffic priced on it. */
export interface ModelComparison extends WhatIfResult {
  readonly candidate: ModelRef;
}

/**
 * The traffic's actual cost and its cost under the changes, per observed model and target, in exact decimals
 * (docs/pricing.md, "What-if repricing"). Changed traffic is priced day by day at the target's price in force that
 * day (organization prices first); traffic no change applies to keeps its recorded cost. Throws `PricingError`
 * (`INVALID_WHAT_IF`, or `INVALID_USAGE` for impossible counts) naming the field (`traffic/3/usage/cachedInputTokens`,
 * `changes/substitutions/1/match`).
 */
export function whatIf(traffic: readonly TrafficRow[], changes: WhatIfChanges, pricing: WhatIfPricing): WhatIfResult {
  return settleLocally(planWhatIf(traffic, changes, pricing), pricing);
}

/**
 * The same traffic priced on each candidate model side by side: all of it sent to the candidate, with the caching
 * and batch changes if given. A candidate that is the observed model keeps that traffic's recorded cost.
 */
export function compareModels(
  traffic: readonly TrafficRow[],
  candidates: readonly ModelRef[],
  pricing: WhatIfPricing,
  changes: Omit<WhatIfChanges, 'substitutions'> = {},
): ModelComparison[] {
  return settleLocally(planModelComparison(traffic, candidates, changes, pricing), pricing);
}

/** Traffic of one changed row, as it would be, to be priced at the prices in force at `at`. */
export interface WhatIfPriceRequest {
  readonly provider: string;
  readonly model: string;
  readonly at: Date;
  /** A whole day's traffic: the model's all-day price applies, not a daily window's (`ignoreTimeOfDay`). */
  readonly wholeDay: boolean;
  readonly calls: number;
  /** The summed counts after the caching change, checked. */
  readonly usage: Required<UsageCounts>;
}

/**
 * A what-if in two steps, for a caller that prices elsewhere (over a price-quote request to the service that owns
 * the prices): price each of `prices`, in order, and pass the amounts to `settle` (`null` for no price, never 0).
 */
export interface WhatIfPlan<R> {
  readonly prices: readonly WhatIfPriceRequest[];
  settle(amounts: readonly (string | null)[]): R;
}

/** `whatIf` without the pricing: the calls to price, and the arithmetic once they are priced. */
export function planWhatIf(
  traffic: readonly TrafficRow[],
  changes: WhatIfChanges,
  options: Pick<WhatIfPricing, 'batchDiscounts'> = {},
): WhatIfPlan<WhatIfResult> {
  const rows = checkTraffic(traffic);
  const substitutions = checkSubstitutions(changes.substitutions ?? []);
  return plan(rows, (row) => substitute(row, substitutions), changes, options.batchDiscounts ?? BATCH_DISCOUNTS);
}

/** `compareModels` without the pricing: one plan for every candidate, settled into one result per candidate. */
export function planModelComparison(
  traffic: readonly TrafficRow[],
  candidates: readonly ModelRef[],
  changes: Omit<WhatIfChanges, 'substitutions'> = {},
  options: Pick<WhatIfPricing, 'batchDiscounts'> = {},
): WhatIfPlan<ModelComparison[]> {
  const rows = checkTraffic(traffic);
  if (!Array.isArray(candidates)) invalid('candidates', 'must be an array');
  const targets = candidates.map((candidate, i) => checkRef(candidate, `candidates/${i}`));
  const plans = targets.map((target) => plan(rows, () => target, changes, options.batchDiscounts ?? BATCH_DISCOUNTS));
  return {
    prices: plans.flatMap((p) => p.prices),
    settle(amounts) {
      checkAmounts(
        amounts,
        plans.reduce((n, p) => n + p.prices.length, 0),
      );
      let offset = 0;
      return plans.map((p, i) => {
        const result = p.settle(amounts.slice(offset, offset + p.prices.length));
        offset += p.prices.length;
        return { candidate: targets[i], ...result };
      });
    },
  };
}

function settleLocally<R>(p: WhatIfPlan<R>, pricing: WhatIfPricing): R {
  return p.settle(
    p.prices.map((request) => {
      const price = resolvePrice(pricing.catalog, {
        provider: request.provider,
        model: request.model,
        at: request.at,
        ...(pricing.organizationOverrides ? { organizationOverrides: pricing.organizationOverrides } : {}),
        ignoreTimeOfDay: request.wholeDay,
      });
      return price ? computeTrafficCost(request.usage, request.calls, price.entry).amount : null;
    }),
  );
}

function checkAmounts(amounts: readonly (string | null)[], expected: number): void {
  if (!Array.isArray(amounts) || amounts.length !== expected) invalid('amounts', `must hold ${expected} amounts, one per price request`);
  amounts.forEach((amount, i) => {
    if (amount !== null && !isDecimalString(amount))
      invalid(`amounts/${i}`, 'must be a non-negative decimal string, or null when unpriced');
  });
}

interface CheckedRow {
  readonly provider: string;
  readonly model: string;
  readonly tag: string;
  readonly day: string;
  /** The instant whose prices apply, and whether it stands for a whole day. */
  readonly at: Date;
  readonly wholeDay: boolean;
  readonly calls: number;
  readonly usage: Required<UsageCounts>;
  readonly cost: Money | null;
}

interface CheckedScope {
  readonly provider?: string;
  readonly model?: string;
  readonly tag?: string;
}

interface CheckedSubstitution {
  readonly provider: string;
  readonly model: string;
  readonly tag?: string;
  readonly use: ModelRef;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ONE = new Money(1);

interface PlannedRow {
  readonly row: CheckedRow;
  readonly target: ModelRef;
  /** Index into the plan's prices; none when no change applies and the recorded cost stands. */
  readonly price?: number;
  /** Share of the cost taken off by the batch change. */
  readonly batchFactor?: Money;
  readonly batchUnavailable: boolean;
}

function plan(
  rows: readonly CheckedRow[],
  targetOf: (row: CheckedRow) => ModelRef,
  changes: Omit<WhatIfChanges, 'substitutions'>,
  discounts: Readonly<Record<string, BatchDiscount>>,
): WhatIfPlan<WhatIfResult> {
  const caching = changes.promptCaching && checkCaching(changes.promptCaching);
  const batch = changes.batch && checkBatch(changes.batch);
  const prices: WhatIfPriceRequest[] = [];
  const planned = rows.map((row): PlannedRow => {
    const target = targetOf(row);
    const substituted = target.provider !== row.provider || target.model !== row.model;
    const cached = caching !== undefined && inScope(row, caching.scope);
    const batched = batch !== undefined && inScope(row, batch.scope) && !batch.share.isZero();
    const discount = batched ? batchDiscount(target.provider, discounts) : undefined;
    const batchUnavailable = batched && !discount;
    if (!substituted && !cached && !discount) return { row, target, batchUnavailable };
    prices.push({
      ...target,
      at: row.at,
      wholeDay: row.wholeDay,
      calls: row.calls,
      usage: cached ? withCaching(row.usage, caching) : row.usage,
    });
    return {
      row,
      target,
      price: prices.length - 1,
      ...(discount && batch ? { batchFactor: ONE.minus(batch.share.times(discount.discount)) } : {}),
      batchUnavailable,
    };
  });
  return {
    prices,
    settle(amounts) {
      checkAmounts(amounts, prices.length);
      return settle(planned, amounts);
    },
  };
}

function settle(planned: readonly PlannedRow[], amounts: readonly (string | null)[]): WhatIfResult {
  interface Group {
    provider: string;
    model: string;
    target: ModelRef;
    calls: number;
    changedCalls: number;
    actual: Money | null;
    projected: Money | null;
    unpricedDays: Set<string>;
    batchUnavailable: boolean;
  }
  const groups = new Map<string, Group>();

  for (const { row, target, price, batchFactor, batchUnavailable } of planned) {
    const key = [row.provider, row.model, target.provider, target.model].join('\u0000');
    let group = groups.get(key);
    if (!group) {
      group = {
        provider: row.provider,
        model: row.model,
        target,
        calls: 0,
        changedCalls: 0,
        actual: new Money(0),
        projected: new Money(0),
        unpricedDays: new Set(),
        batchUnavailable: false,
      };
      groups.set(key, group);
    }
    group.calls += row.calls;
    group.actual = row.cost && group.actual ? group.actual.plus(row.cost) : null;
    if (batchUnavailable) group.batchUnavailable = true;
    if (price === undefined) {
      group.projected = row.cost && group.projected ? group.projected.plus(row.cost) : null;
      continue;
    }
    group.changedCalls += row.calls;
    const amount = amounts[price];
    if (amount === null) {
      group.unpricedDays.add(row.day);
      group.projected = null;
      continue;
    }
    const cost = batchFactor ? new Money(toMoneyString(batchFactor.times(amount))) : new Money(amount);
    if (group.projected) group.projected = group.projected.plus(cost);
  }

  const result = [...groups.values()]
    .sort(
      (a, b) =>
        compare(a.provider, b.provider) ||
        compare(a.model, b.model) ||
        compare(a.target.provider, b.target.provider) ||
        compare(a.target.model, b.target.model),
    )
    .map((g): WhatIfRow => ({
      provider: g.provider,
      model: g.model,
      target: g.target,
      calls: g.calls,
      changedCalls: g.changedCalls,
      actualCost: g.actual && toMoneyString(g.actual),
      projectedCost: g.projected && toMoneyString(g.projected),
      difference: g.actual && g.projected && toMoneyString(g.projected.minus(g.actual)),
      unpricedDays: [...g.unpricedDays].sort(),
      batchUnavailable: g.batchUnavailable,
    }));
  return { rows: result, totals: totalsOf(result) };
}

function totalsOf(rows: readonly WhatIfRow[]): WhatIfTotals {
  const known = rows.filter((r) => r.actualCost !== null && r.projectedCost !== null);
  const all = <K extends 'actualCost' | 'projectedCost'>(field: K): string | null =>
    rows.every((r) => r[field] !== null) ? sumMoney(rows.map((r) => r[field] as string)) : null;
  const actualCost = all('actualCost');
  const projectedCost = all('projectedCost');
  const comparableActual = sumMoney(known.map((r) => r.actualCost as string));
  const comparableProjected = sumMoney(known.map((r) => r.projectedCost as string));
  return {
    calls: rows.reduce((n, r) => n + r.calls, 0),
    actualCost,
    projectedCost,
    difference: actualCost !== null && projectedCost !== null ? toMoneyString(new Money(projectedCost).minus(actualCost)) : null,
    comparable: {
      rows: known.length,
      calls: known.reduce((n, r) => n + r.calls, 0),
      actualCost: comparableActual,
      projectedCost: comparableProjected,
      difference: toMoneyString(new Money(comparableProjected).minus(comparableActual)),
    },
    unpricedRows: rows.filter((r) => r.unpricedDays.length > 0).length,
  };
}

/** Moves the shares of the uncached text input to cache reads and cache writes (rounded in the caller's disfavour). */
function withCaching(u: Required<UsageCounts>, caching: ReturnType<typeof checkCaching>): Required<UsageCounts> {
  const uncachedText =
    u.inputTokens -
    u.cachedInputTokens -
    u.cacheWriteTokens -
    (u.inputAudioTokens - u.cachedInputAudioTokens) -
    (u.inputImageTokens - u.cachedInputImageTokens);
  const reads = caching.cachedShare.times(uncachedText).floor().toNumber();
  const writes = caching.cacheWriteShare.times(uncachedText).ceil().toNumber();
  return {
    ...u,
    cachedInputTokens: u.cachedInputTokens + reads,
    cacheWriteTokens: u.cacheWriteTokens + writes,
    cacheWrite1hTokens: u.cacheWrite1hTokens + (caching.ttl === '1h' ? writes : 0),
  };
}

/** A substitution naming the row's tag beats one for all its tags; two for the same traffic are refused up front. */
function substitute(row: CheckedRow, substitutions: readonly CheckedSubstitution[]): ModelRef {
  let found: CheckedSubstitution | undefined;
  for (const s of substitutions) {
    if (s.provider !== row.provider || s.model !== row.model) continue;
    if (s.tag === row.tag) return s.use;
    if (s.tag === undefined) found = s;
  }
  return found?.use ?? { provider: row.provider, model: row.model };
}

function inScope(row: CheckedRow, scope: CheckedScope): boolean {
  return (
    (scope.provider === undefined || scope.provider === row.provider) &&
    (scope.model === undefined || scope.model === row.model) &&
    (scope.tag === undefined || scope.tag === row.tag)
  );
}

function checkTraffic(traffic: readonly TrafficRow[]): CheckedRow[] {
  if (!Array.isArray(traffic)) invalid('traffic', 'must be an array');
  return traffic.map((row, i) => {
    const path = `traffic/${i}`;
    if (typeof row !== 'object' || row === null) invalid(path, 'must be an object');
    const { provider, model } = checkRef(row, path);
    const tag = checkTag(row.tag, `${path}/tag`) ?? '';
    if ((row.day === undefined) === (row.at === undefined)) invalid(path, 'needs exactly one of day and at');
    let at: number;
    if (row.day !== undefined) {
      const m = typeof row.day === 'string' ? DAY.exec(row.day) : null;
      at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
      if (!m || new Date(at).toISOString().slice(0, 10) !== row.day) invalid(`${path}/day`, 'must be a UTC day YYYY-MM-DD');
    } else {
      const parsed = typeof row.at === 'string' ? parseRfc3339(row.at) : undefined;
      if (parsed === undefined) invalid(`${path}/at`, 'must be an RFC 3339 date-time');
      at = parsed;
    }
    if (!Number.isSafeInteger(row.calls) || row.calls < 1) invalid(`${path}/calls`, 'must be a positive integer');
    let usage: Required<UsageCounts>;
    try {
      usage = checkUsage(row.usage);
    } catch (err) {
      if (!(err instanceof PricingError)) throw err;
      throw new PricingError(err.code, `${path}/usage/${err.field}`, err.message.slice(err.field.length + 2));
    }
    if (row.cost !== null && !isDecimalString(row.cost)) {
      invalid(`${path}/cost`, 'must be a non-negative decimal string such as "0.075", or null when unpriced');
    }
    const instant = new Date(at);
    return {
      provider,
      model,
      tag,
      day: instant.toISOString().slice(0, 10),
      at: instant,
      wholeDay: row.day !== undefined,
      calls: row.calls,
      usage,
      cost: row.cost === null ? null : new Money(row.cost),
    };
  });
}

function checkSubstitutions(substitutions: readonly Substitution[]): CheckedSubstitution[] {
  if (!Array.isArray(substitutions)) invalid('changes/substitutions', 'must be an array');
  const seen = new Map<string, number>();
  return substitutions.map((s, i) => {
    const path = `changes/substitutions/${i}`;
    if (typeof s !== 'object' || s === null) invalid(path, 'must be an object');
    const match = checkRef(s.match, `${path}/match`);
    const tag = checkTag(s.match.tag, `${path}/match/tag`);
    const use = checkRef(s.use, `${path}/use`);
    const key = [match.provider, match.model, tag ?? '\u0000any'].join('\u0000');
    const earlier = seen.get(key);
    if (earlier !== undefined) invalid(`${path}/match`, `the same traffic as changes/substitutions/${earlier}/match`);
    seen.set(key, i);
    return { ...match, ...(tag !== undefined ? { tag } : {}), use };
  });
}

function checkCaching(caching: PromptCachingChange): {
  cachedShare: Money;
  cacheWriteShare: Money;
  ttl: '5m' | '1h';
  scope: CheckedScope;
} {
  const path = 'changes/promptCaching';
  if (typeof caching !== 'object' || caching === null) invalid(path, 'must be an object');
  const cachedShare = checkShare(caching.cachedShare, `${path}/cachedShare`);
  const cacheWriteShare = checkShare(caching.cacheWriteShare ?? '0', `${path}/cacheWriteShare`);
  if (cachedShare.plus(cacheWriteShare).greaterThan(1)) invalid(`${path}/cacheWriteShare`, 'with cachedShare, must be at most 1');
  const ttl = caching.cacheWriteTtl ?? '5m';
  if (ttl !== '5m' && ttl !== '1h') invalid(`${path}/cacheWriteTtl`, 'must be "5m" or "1h"');
  return { cachedShare, cacheWriteShare, ttl, scope: checkScope(caching.scope, `${path}/scope`) };
}

function checkBatch(batch: BatchChange): { share: Money; scope: CheckedScope } {
  const path = 'changes/batch';
  if (typeof batch !== 'object' || batch === null) invalid(path, 'must be an object');
  return { share: checkShare(batch.share ?? '1', `${path}/share`), scope: checkScope(batch.scope, `${path}/scope`) };
}

function checkScope(scope: TrafficScope | undefined, path: string): CheckedScope {
  if (scope === undefined) return {};
  if (typeof scope !== 'object' || scope === null) invalid(path, 'must be an object');
  const checked: { provider?: string; model?: string; tag?: string } = {};
  if (scope.provider !== undefined) checked.provider = normalizeProvider(checkText(scope.provider, `${path}/provider`));
  if (scope.model !== undefined) checked.model = normalizeModelId(checkText(scope.model, `${path}/model`));
  const tag = checkTag(scope.tag, `${path}/tag`);
  if (tag !== undefined) checked.tag = tag;
  return checked;
}

function checkShare(value: unknown, path: string): Money {
  if (!isDecimalString(value) || new Money(value).greaterThan(1)) invalid(path, 'must be a decimal string from "0" to "1"');
  return new Money(value);
}

function checkRef(ref: { provider?: unknown; model?: unknown } | undefined, path: string): ModelRef {
  if (typeof ref !== 'object' || ref === null) invalid(path, 'must be an object with provider and model');
  return {
    provider: normalizeProvider(checkText(ref.provider, `${path}/provider`)),
    model: normalizeModelId(checkText(ref.model, `${path}/model`)),
  };
}

function checkTag(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid(path, 'must be a string');
  return value;
}

function checkText(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(path, 'must be a non-empty string');
  return value;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(field: string, message: string): never {
  throw new PricingError(PricingErrorCode.InvalidWhatIf, field, message);
}
