import type { Currency, UsageCounts } from './usage-event';

/**
 * Digits before the point of a rate (USD per million tokens, or per request): a record's cost then stays below 10^23,
 * which the money columns hold summed any number of times (docs/ingestion.md, "Money"). The catalog's rates are far
 * below it; the gateway and the pricing engine both refuse a larger one.
 */
export const MAX_RATE_INTEGER_DIGITS = 12;

/**
 * Prices as they travel in events and replies. The ingestion service's pricing engine (`PriceEntry`) has exactly
 * this shape; `docs/pricing.md` explains every field. Rates are decimal strings in plain notation, USD per
 * million tokens (`perRequest`: USD per request).
 */
export interface PriceRatesData {
  readonly input: string;
  readonly output: string;
  readonly cachedInput?: string;
  readonly cacheWrite?: string;
  readonly cacheWrite1h?: string;
  readonly reasoning?: string;
  readonly inputAudio?: string;
  readonly cachedInputAudio?: string;
  readonly outputAudio?: string;
  readonly inputImage?: string;
  readonly cachedInputImage?: string;
  readonly outputImage?: string;
  readonly perRequest?: string;
}

/** How a dated or variant model id finds its family: text comparisons ignore case. */
export type ModelPatternData =
  | { readonly kind: 'exact' | 'prefix' | 'suffix' | 'contains' | 'regex'; readonly value: string }
  | { readonly kind: 'all' | 'any'; readonly patterns: readonly ModelPatternData[] };

/** Long-context pricing: above this many input tokens, every token of the call is billed at `rates`. */
export interface PriceTierData {
  readonly aboveInputTokens: number;
  readonly rates: PriceRatesData;
}

/** A daily UTC window `[from, to)`, `HH:MM:SS`. */
export interface TimeOfDayWindowData {
  readonly from: string;
  readonly to: string;
}

/** One price of one model over one period `[effectiveFrom, effectiveTo)` (null: open-ended). */
export interface PriceEntryData {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  readonly aliases?: readonly string[];
  readonly patterns?: readonly ModelPatternData[];
  readonly effectiveFrom: string | null;
  readonly effectiveTo: string | null;
  readonly timeOfDay?: TimeOfDayWindowData;
  readonly currency: Currency;
  readonly rates: PriceRatesData;
  readonly tiers?: readonly PriceTierData[];
}

/** An organization's own price for a provider's model; it wins over the catalog while in force. */
export interface PriceOverrideData extends PriceEntryData {
  readonly organizationId: string;
  readonly createdAt: string;
  /** `<actor type>:<actor id>` of whoever set it. */
  readonly createdBy: string;
}

/** A catalog entry with the id of the dataset entry it is a version of (a changed price opens a new version). */
export interface CatalogEntryData extends PriceEntryData {
  readonly sourceId: string;
}

/** Credit owed to the dataset the catalog is seeded from: shown wherever seeded prices are listed. */
export interface PriceDataAttribution {
  readonly name: string;
  readonly author: string;
  readonly license: string;
  readonly url: string;
}

/** How a record's cost was established. */
export type CostStatus = 'priced' | 'unpriced' | 'override';

/** Where the price of a `priced` record came from: the catalog, or the organization's override. */
export type PriceOrigin = 'catalog' | 'override';

/**
 * The cost of one usage record. `priced`: tokens × the price in force at the event's timestamp; `unpriced`: no
 * price found, `amount` null (never a silent zero); `override`: the client's explicit `cost`, kept as sent.
 * Amounts have exactly 12 decimals (`"0.035250000000"`), as the `NUMERIC(60, 12)` columns print them.
 */
export interface RecordCostData {
  readonly status: CostStatus;
  readonly amount: string | null;
  readonly currency: Currency;
  readonly priceEntryId: string | null;
  readonly priceOrigin: PriceOrigin | null;
}

/** At most this many calls per price-quote request. */
export const PRICE_QUOTE_LIMIT = 1000;

/**
 * Calls that did not happen (what-if, recommendations' savings), priced as if they had: at the price in force at
 * `at`, the organization's own prices first, exactly as a recorded call would be.
 */
export interface PriceQuoteRequest {
  quotes: { provider: string; model: string; at: string; usage: UsageCounts }[];
}

/**
 * The prices in force for calls of an organization (its own prices first), each with the span around its instant over
 * which it stays in force: a caller that prices many calls of one model (the proxy's cost headers) keeps the answer
 * for the span, up to its own cache time, and computes each call's cost itself, exactly as the ingestion service
 * prices the call's record (`computeCost` of `libs/pricing` with this price).
 */
export interface PricesInForceRequest {
  prices: { provider: string; model: string; at: string }[];
}

export interface PricesInForce {
  /** In the request's order. `price` null: nothing prices the model then (its calls are `unpriced`). */
  prices: {
    price: PriceEntryData | null;
    origin: 'override' | 'catalog' | null;
    /** RFC 3339, inclusive; null: since always. */
    validFrom: string | null;
    /** RFC 3339, exclusive; null: until further notice. */
    validUntil: string | null;
  }[];
}

export interface PriceQuotes {
  /** In the request's order; `unpriced` (no amount, never zero) when no price is in force for the model then. */
  quotes: { status: 'priced' | 'unpriced'; amount: string | null; priceEntryId: string | null }[];
}
