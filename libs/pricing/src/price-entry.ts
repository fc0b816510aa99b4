/** Amounts and rates are US dollars: the seed dataset is in USD and rollups never mix currencies. */
export type Currency = 'USD';

/**
 * Rates as decimal strings in plain notation. Token rates are USD per million tokens; `perRequest` is USD per
 * request. `input` and `output` are always present; every other rate is optional and, when absent, its tokens
 * are billed at the rate they would fall under without it (see `docs/pricing.md`, "How cost is computed").
 */
export interface PriceRates {
  readonly input: string;
  readonly output: string;
  /** Input tokens read from the provider's prompt cache. */
  readonly cachedInput?: string;
  /** Input tokens written to the prompt cache (Anthropic's default 5-minute cache). */
  readonly cacheWrite?: string;
  /** Input tokens written to a 1-hour cache entry (Anthropic bills them at twice the input rate). */
  readonly cacheWrite1h?: string;
  /** Reasoning ("thinking") output tokens, when a provider prices them apart from other output. */
  readonly reasoning?: string;
  readonly inputAudio?: string;
  readonly cachedInputAudio?: string;
  readonly outputAudio?: string;
  readonly inputImage?: string;
  readonly cachedInputImage?: string;
  readonly outputImage?: string;
  readonly perRequest?: string;
}

export const RATE_FIELDS = [
  'input',
  'output',
  'cachedInput',
  'cacheWrite',
  'cacheWrite1h',
  'reasoning',
  'inputAudio',
  'cachedInputAudio',
  'outputAudio',
  'inputImage',
  'cachedInputImage',
  'outputImage',
  'perRequest',
] as const satisfies readonly (keyof PriceRates)[];

/**
 * Long-context pricing: when a request's `inputTokens` (all of them, cached ones included) exceeds
 * `aboveInputTokens`, every token of that request is billed at `rates` instead of the entry's base rates.
 * This is how Anthropic, Google and OpenAI price prompts beyond 200k/272k tokens, and how genai-prices
 * models it.
 */
export interface PriceTier {
  readonly aboveInputTokens: number;
  readonly rates: PriceRates;
}

/**
 * How a model id that is neither the entry's `model` nor one of its aliases can still find the entry. Text
 * comparisons ignore case; a regex is tested against the lower-cased id.
 */
export type ModelPattern =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'contains'; readonly value: string }
  | { readonly kind: 'regex'; readonly value: string }
  | { readonly kind: 'all'; readonly patterns: readonly ModelPattern[] }
  | { readonly kind: 'any'; readonly patterns: readonly ModelPattern[] };

/**
 * A daily UTC window `[from, to)` as `HH:MM:SS`; `from` after `to` wraps past midnight. DeepSeek's off-peak
 * discounts are the reason this exists.
 */
export interface TimeOfDayWindow {
  readonly from: string;
  readonly to: string;
}

/**
 * One price of one model over one period. The catalog and organization overrides are both lists of these.
 * All entries of a model share its aliases and patterns: they describe the model, not one period of it.
 */
export interface PriceEntry {
  /** Stable across refreshes of the same source data, so stored entries can be compared and replaced. */
  readonly id: string;
  /** Provider id as `normalizeProvider` returns it (`openai`, `anthropic`, `google`, `aws`, `azure`...). */
  readonly provider: string;
  /** Canonical model id; matched exactly (ignoring case) before any alias or pattern. */
  readonly model: string;
  readonly aliases?: readonly string[];
  readonly patterns?: readonly ModelPattern[];
  /** RFC 3339 instant from which the price applies (inclusive); `null` for "since always". */
  readonly effectiveFrom: string | null;
  /** RFC 3339 instant at which the price stops applying (exclusive); `null` for "until further notice". */
  readonly effectiveTo: string | null;
  /** When set, the entry applies only inside this daily window and beats a window-less entry of its model. */
  readonly timeOfDay?: TimeOfDayWindow;
  readonly currency: Currency;
  readonly rates: PriceRates;
  readonly tiers?: readonly PriceTier[];
}
