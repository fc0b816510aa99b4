import { USAGE_COUNT_FIELDS, type UsageCounts } from '@llmlab/contracts';
import type { Currency, PriceEntry, PriceRates } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';
import { addScaled, moneyStringOfUnits, parseRate, roundToPrecision, toMoneyUnits, type Scaled } from './scaled-decimal';

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

/**
 * In scaled integers (scaled-decimal.ts), exactly as `Money` computes it: each token term is count × rate, rounded
 * to `MONEY_PRECISION` significant digits like a `Money` product, ÷ 10^6; a bucket sums its terms in order, rounded
 * like a `Money` sum, then half-even to `MONEY_SCALE` decimals; `amount` sums the buckets the same way.
 */
function costOf(u: Required<UsageCounts>, calls: number, price: PriceEntry): Cost {
  // The mean prompt of the calls exceeds the threshold: inputTokens / calls > above, in integers.
  const tiers = price.tiers ?? [];
  let t = tiers.length - 1;
  while (t >= 0 && !(u.inputTokens > tiers[t].aboveInputTokens * calls)) t -= 1;
  const tier = t >= 0 ? tiers[t] : undefined;
  const r = tier?.rates ?? price.rates;
  const path = tier ? `tiers/${t}/rates` : 'rates';

  const uncachedAudio = u.inputAudioTokens - u.cachedInputAudioTokens;
  const uncachedImage = u.inputImageTokens - u.cachedInputImageTokens;
  const cachedText = u.cachedInputTokens - u.cachedInputAudioTokens - u.cachedInputImageTokens;
  const uncachedText = u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens - uncachedAudio - uncachedImage;
  const textOutput = u.outputTokens - u.reasoningTokens - u.outputAudioTokens - u.outputImageTokens;

  const input = bucket(term(uncachedText, r, path, 'input'));
  const cachedInput = bucket(term(cachedText, r, path, 'cachedInput', 'input'));
  const cacheWrite = bucket(
    term(u.cacheWriteTokens - u.cacheWrite1hTokens, r, path, 'cacheWrite', 'input'),
    term(u.cacheWrite1hTokens, r, path, 'cacheWrite1h', 'cacheWrite', 'input'),
  );
  const output = bucket(term(textOutput, r, path, 'output'));
  const reasoning = bucket(term(u.reasoningTokens, r, path, 'reasoning', 'output'));
  // A cached audio or image token without a rate of its own gets the cache discount before the modality
  // rate: genai-prices requires that combined rate whenever both exist, so this only decides for overrides.
  const audio = bucket(
    term(uncachedAudio, r, path, 'inputAudio', 'input'),
    term(u.cachedInputAudioTokens, r, path, 'cachedInputAudio', 'cachedInput', 'inputAudio', 'input'),
    term(u.outputAudioTokens, r, path, 'outputAudio', 'output'),
  );
  const image = bucket(
    term(uncachedImage, r, path, 'inputImage', 'input'),
    term(u.cachedInputImageTokens, r, path, 'cachedInputImage', 'cachedInput', 'inputImage', 'input'),
    term(u.outputImageTokens, r, path, 'outputImage', 'output'),
  );
  const request = perRequest(r, path, calls);

  let total = 0n;
  for (const units of [input, cachedInput, cacheWrite, output, reasoning, audio, image, request]) {
    if (units !== 0n) total = roundToPrecision(total + units);
  }
  return {
    amount: moneyStringOfUnits(total),
    currency: price.currency,
    breakdown: {
      input: moneyStringOfUnits(input),
      cachedInput: moneyStringOfUnits(cachedInput),
      cacheWrite: moneyStringOfUnits(cacheWrite),
      output: moneyStringOfUnits(output),
      reasoning: moneyStringOfUnits(reasoning),
      audio: moneyStringOfUnits(audio),
      image: moneyStringOfUnits(image),
      request: moneyStringOfUnits(request),
    },
    tierAboveInputTokens: tier?.aboveInputTokens ?? null,
  };
}

type RateField = keyof PriceRates;

/**
 * `count` tokens at the first of the rates the entry has (the last one named when it has none), or nothing for no
 * tokens: most calls leave most buckets empty, and an empty bucket reads no rate. `!= null` as `??` tests.
 */
function term(count: number, r: PriceRates, path: string, a: RateField, b?: RateField, c?: RateField, d?: RateField): Scaled | undefined {
  if (count === 0) return undefined;
  const name = r[a] != null || !b ? a : r[b] != null || !c ? b : r[c] != null || !d ? c : d;
  const { perToken } = parseRate(r[name], path, name);
  return { units: roundToPrecision(BigInt(count) * perToken.units), scale: perToken.scale };
}

/** The units at `MONEY_SCALE` of a bucket's terms, summed in order. */
function bucket(first: Scaled | undefined, second?: Scaled, third?: Scaled): bigint {
  let sum = first;
  if (second) sum = sum ? addScaled(sum, second) : second;
  if (third) sum = sum ? addScaled(sum, third) : third;
  return sum ? toMoneyUnits(sum) : 0n;
}

/** The per-request price, once per call: one call's is the rate itself, more calls' a product rounded as `Money` would. */
function perRequest(r: PriceRates, path: string, calls: number): bigint {
  if (r.perRequest == null) return 0n;
  const { value } = parseRate(r.perRequest, path, 'perRequest');
  return toMoneyUnits(calls === 1 ? value : { units: roundToPrecision(value.units * BigInt(calls)), scale: value.scale });
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
