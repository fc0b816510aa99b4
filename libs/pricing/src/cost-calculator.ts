import { USAGE_COUNT_FIELDS, type UsageCounts } from '@llmlab/contracts';
import type { Decimal } from 'decimal.js';
import { Money, sumMoney, toMoneyString } from '@llmlab/domain';
import type { Currency, PriceEntry } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';

/** Decimal strings with `MONEY_SCALE` decimals. Audio and image hold every token of their modality. */
export interface CostBreakdown {
  readonly input: string;
  readonly cachedInput: string;
  readonly cacheWrite: string;
  readonly output: string;
  readonly reasoning: string;
  readonly audio: string;
  readonly image: string;
  readonly request: string;
}

export interface Cost {
  /** The exact sum of the breakdown. */
  readonly amount: string;
  readonly currency: Currency;
  readonly breakdown: CostBreakdown;
  /** The `aboveInputTokens` of the long-context tier that priced the call, or `null` for the base rates. */
  readonly tierAboveInputTokens: number | null;
}

const PER_MILLION = 1_000_000;

/**
 * Prices one call. Every token lands in exactly one bucket, priced at its own rate, or, when the entry has no
 * such rate, at the rate it would have without the distinction (cached input at the input rate, reasoning at
 * the output rate...). Each bucket is rounded half-even to `MONEY_SCALE` decimals and `amount` is their sum,
 * so a breakdown always adds up to its total. Throws `PricingError` (`INVALID_USAGE`) for impossible usage.
 */
export function computeCost(usage: UsageCounts, price: PriceEntry): Cost {
  return costOf(checkUsage(usage), 1, price);
}

/**
 * Prices the summed usage of `calls` calls of one model (an hour's or a day's traffic), as `computeCost` prices one
 * call: the same buckets and rates, `perRequest` once per call. A sum cannot say which of its calls were long, so a
 * long-context tier applies to all of them when their mean prompt exceeds its threshold: exact when the calls are
 * alike, an estimate otherwise (docs/pricing.md, "What-if repricing"). Throws `PricingError` (`INVALID_USAGE`) for
 * impossible usage or a `calls` that is not a positive integer.
 */
export function computeTrafficCost(usage: UsageCounts, calls: number, price: PriceEntry): Cost {
  if (!Number.isSafeInteger(calls) || calls < 1) invalidUsage('calls', 'must be a positive integer');
  return costOf(checkUsage(usage), calls, price);
}

function costOf(u: Required<UsageCounts>, calls: number, price: PriceEntry): Cost {
  // The mean prompt of the calls exceeds the threshold: inputTokens / calls > above, in integers.
  const tier = [...(price.tiers ?? [])].reverse().find((t) => u.inputTokens > t.aboveInputTokens * calls);
  const r = tier?.rates ?? price.rates;

  const uncachedAudio = u.inputAudioTokens - u.cachedInputAudioTokens;
  const uncachedImage = u.inputImageTokens - u.cachedInputImageTokens;
  const cachedText = u.cachedInputTokens - u.cachedInputAudioTokens - u.cachedInputImageTokens;
  const uncachedText = u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens - uncachedAudio - uncachedImage;
  const textOutput = u.outputTokens - u.reasoningTokens - u.outputAudioTokens - u.outputImageTokens;
  const cachedRate = r.cachedInput ?? r.input;
  const cacheWriteRate = r.cacheWrite ?? r.input;

  const breakdown: CostBreakdown = {
    input: amountOf(tokens(uncachedText, r.input)),
    cachedInput: amountOf(tokens(cachedText, cachedRate)),
    cacheWrite: amountOf(
      tokens(u.cacheWriteTokens - u.cacheWrite1hTokens, cacheWriteRate).plus(
        tokens(u.cacheWrite1hTokens, r.cacheWrite1h ?? cacheWriteRate),
      ),
    ),
    output: amountOf(tokens(textOutput, r.output)),
    reasoning: amountOf(tokens(u.reasoningTokens, r.reasoning ?? r.output)),
    // A cached audio or image token without a rate of its own gets the cache discount before the modality
    // rate: genai-prices requires that combined rate whenever both exist, so this only decides for overrides.
    audio: amountOf(
      tokens(uncachedAudio, r.inputAudio ?? r.input)
        .plus(tokens(u.cachedInputAudioTokens, r.cachedInputAudio ?? r.cachedInput ?? r.inputAudio ?? r.input))
        .plus(tokens(u.outputAudioTokens, r.outputAudio ?? r.output)),
    ),
    image: amountOf(
      tokens(uncachedImage, r.inputImage ?? r.input)
        .plus(tokens(u.cachedInputImageTokens, r.cachedInputImage ?? r.cachedInput ?? r.inputImage ?? r.input))
        .plus(tokens(u.outputImageTokens, r.outputImage ?? r.output)),
    ),
    request: calls === 1 ? toMoneyString(r.perRequest ?? 0) : amountOf(new Money(r.perRequest ?? 0).times(calls)),
  };
  return {
    amount: sumMoney(Object.values(breakdown).filter((value) => value !== ZERO_AMOUNT)),
    currency: price.currency,
    breakdown,
    tierAboveInputTokens: tier?.aboveInputTokens ?? null,
  };
}

/**
 * Checks usage against the convention and fills absent parts with 0. Throws `PricingError` naming the first
 * field that is not a non-negative integer, or the part that makes the parts exceed their whole.
 */
export function checkUsage(usage: UsageCounts): Required<UsageCounts> {
  if (typeof usage !== 'object' || usage === null) invalidUsage('usage', 'must be an object');
  const u = {} as Record<keyof UsageCounts, number>;
  for (const field of USAGE_COUNT_FIELDS) {
    const value: unknown = usage[field];
    if (value === undefined && field !== 'inputTokens' && field !== 'outputTokens') {
      u[field] = 0;
      continue;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      invalidUsage(field, 'must be a non-negative integer');
    }
    u[field] = value;
  }

  notMore(u.cacheWrite1hTokens, u.cacheWriteTokens, 'cacheWrite1hTokens', 'cacheWriteTokens');
  notMore(u.cachedInputAudioTokens, u.inputAudioTokens, 'cachedInputAudioTokens', 'inputAudioTokens');
  notMore(u.cachedInputImageTokens, u.inputImageTokens, 'cachedInputImageTokens', 'inputImageTokens');
  const cachedMedia = u.cachedInputAudioTokens + u.cachedInputImageTokens;
  if (cachedMedia > u.cachedInputTokens) {
    invalidUsage(
      'cachedInputTokens',
      `(${u.cachedInputTokens}) is less than cachedInputAudioTokens + cachedInputImageTokens (${cachedMedia})`,
    );
  }

  // Input: cached, cache-write, uncached audio and uncached image tokens are disjoint parts of inputTokens.
  let inputParts = u.cachedInputTokens;
  notMore(inputParts, u.inputTokens, 'cachedInputTokens', 'inputTokens');
  inputParts += u.cacheWriteTokens;
  notMore(inputParts, u.inputTokens, 'cacheWriteTokens', 'inputTokens (with cachedInputTokens)');
  inputParts += u.inputAudioTokens - u.cachedInputAudioTokens;
  notMore(inputParts, u.inputTokens, 'inputAudioTokens', 'inputTokens (with the cached and cache-write tokens)');
  inputParts += u.inputImageTokens - u.cachedInputImageTokens;
  notMore(inputParts, u.inputTokens, 'inputImageTokens', 'inputTokens (with the other input parts)');

  let outputParts = u.reasoningTokens;
  notMore(outputParts, u.outputTokens, 'reasoningTokens', 'outputTokens');
  outputParts += u.outputAudioTokens;
  notMore(outputParts, u.outputTokens, 'outputAudioTokens', 'outputTokens (with reasoningTokens)');
  outputParts += u.outputImageTokens;
  notMore(outputParts, u.outputTokens, 'outputImageTokens', 'outputTokens (with the other output parts)');
  return u;
}

function notMore(part: number, whole: number, field: string, wholeName: string): void {
  if (part > whole) invalidUsage(field, `(${part}) exceeds ${wholeName} (${whole})`);
}

function invalidUsage(field: string, message: string): never {
  throw new PricingError(PricingErrorCode.InvalidUsage, field, message);
}

const ZERO = new Money(0);
const ZERO_AMOUNT = toMoneyString(0);

function amountOf(value: Decimal): string {
  return value.isZero() ? ZERO_AMOUNT : toMoneyString(value);
}

/** Most calls leave most buckets empty; skipping their arithmetic halves the time a batch takes to price. */
function tokens(count: number, ratePerMillion: string): Decimal {
  return count === 0 ? ZERO : new Money(count).times(ratePerMillion).dividedBy(PER_MILLION);
}
