import type { MoneyAmount, RecordCostData, UsageCounts } from '@llmlab/contracts';
import { toMoneyString } from '@llmlab/domain';
import { computeCost, resolvePrice, type PriceCatalog } from '@llmlab/pricing';

/**
 * The prices a batch is priced with, and the revisions they were read at: the projection compares those with
 * the latest it applied, so a batch priced while a price was changing is repriced rather than left stale.
 */
export interface PricingSnapshot {
  readonly catalog: PriceCatalog;
  readonly catalogRevision: number;
  /** The organization's overrides; absent when it has none. */
  readonly overrides?: PriceCatalog;
  /** Revision of the organization's override stream, -1 when it has none. */
  readonly overridesRevision: number;
}

export interface PricedUsage {
  readonly provider: string;
  readonly model: string;
  readonly timestamp: string;
  readonly usage: UsageCounts;
  /** The client's explicit cost, which wins over any price. */
  readonly cost?: MoneyAmount;
}

/**
 * The cost of one call: the client's explicit cost as sent (`override`), else tokens × the price in force at the
 * call's own timestamp (`priced`), else `unpriced` with no amount, never zero.
 */
export function priceUsage(call: PricedUsage, pricing: Pick<PricingSnapshot, 'catalog' | 'overrides'>): RecordCostData {
  if (call.cost) {
    return { status: 'override', amount: toMoneyString(call.cost.amount), currency: 'USD', priceEntryId: null, priceOrigin: null };
  }
  const resolved = resolvePrice(pricing.catalog, {
    provider: call.provider,
    model: call.model,
    at: new Date(call.timestamp),
    organizationOverrides: pricing.overrides,
  });
  if (!resolved) return { status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null };
  const cost = computeCost(call.usage, resolved.entry);
  return { status: 'priced', amount: cost.amount, currency: cost.currency, priceEntryId: resolved.entry.id, priceOrigin: resolved.origin };
}

/** Two costs are the same when a record would not change: same status, amount and price used. */
export function sameCost(a: RecordCostData, b: RecordCostData): boolean {
  return a.status === b.status && a.amount === b.amount && a.priceEntryId === b.priceEntryId && a.priceOrigin === b.priceOrigin;
}
