export enum PricingErrorCode {
  /** Usage that cannot happen: a negative or fractional count, or a part larger than the whole it belongs to. */
  InvalidUsage = 'INVALID_USAGE',
  /** A provider's usage object that does not have the shape its wire format documents. */
  InvalidProviderUsage = 'INVALID_PROVIDER_USAGE',
  /** A price entry that cannot be used: a malformed rate, date, window, pattern or tier. */
  InvalidPriceEntry = 'INVALID_PRICE_ENTRY',
  /** Two entries of one model that would both be in force at some instant, so resolution would be ambiguous. */
  OverlappingPriceEntries = 'OVERLAPPING_PRICE_ENTRIES',
  /** A price dataset that cannot be converted without guessing. */
  InvalidDataset = 'INVALID_DATASET',
  /** A what-if request that cannot be computed: malformed traffic, or changes that contradict each other. */
  InvalidWhatIf = 'INVALID_WHAT_IF',
  /** A model equivalence table that is not `provider/model` → a list of other `provider/model`s. */
  InvalidModelEquivalence = 'INVALID_MODEL_EQUIVALENCE',
}

/**
 * Every pricing failure. `field` says where the fault is (`cachedInputTokens`, `entries/3/rates/input`,
 * `prompt_tokens_details.cached_tokens`), so the edge can answer with a precise problem body.
 */
export class PricingError extends Error {
  constructor(
    readonly code: PricingErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PricingError';
  }
}
