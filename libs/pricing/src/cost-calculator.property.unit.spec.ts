import type { UsageCounts } from '@llmlab/contracts';
import { Money, MONEY_SCALE } from '@llmlab/domain';
import { seededRandom } from '@llmlab/testing';
import { Decimal } from 'decimal.js';
import { checkUsage, computeCost, computeTrafficCost, type Cost, type CostBreakdown } from './cost-calculator';
import type { PriceEntry, PriceRates, PriceTier } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';

// Pricing computed in scaled integers must give what it gave with decimal.js, digit for digit. The reference below is
// the calculator as it was written with `Money` objects (before issue 15), kept here as the definition of a cost.
// With `Exact` (more digits than any input here needs) it computes without `Money`'s rounding to 40 digits.
const Exact = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_EVEN });

function referenceCost(usage: UsageCounts, calls: number, price: PriceEntry, D: typeof Decimal = Money): Cost {
  const toMoneyString = (value: Decimal.Value): string => new D(value).toFixed(MONEY_SCALE, Decimal.ROUND_HALF_EVEN);
  const sumMoney = (amounts: string[]): string => toMoneyString(amounts.reduce((total, amount) => total.plus(amount), new D(0)));
  const u = checkUsage(usage);
  const tier = [...(price.tiers ?? [])].reverse().find((t) => u.inputTokens > t.aboveInputTokens * calls);
  const r = tier?.rates ?? price.rates;
  const uncachedAudio = u.inputAudioTokens - u.cachedInputAudioTokens;
  const uncachedImage = u.inputImageTokens - u.cachedInputImageTokens;
  const cachedText = u.cachedInputTokens - u.cachedInputAudioTokens - u.cachedInputImageTokens;
  const uncachedText = u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens - uncachedAudio - uncachedImage;
  const textOutput = u.outputTokens - u.reasoningTokens - u.outputAudioTokens - u.outputImageTokens;
  const cachedRate = r.cachedInput ?? r.input;
  const cacheWriteRate = r.cacheWrite ?? r.input;
  const zero = new D(0);
  const tokens = (count: number, rate: string): Decimal => (count === 0 ? zero : new D(count).times(rate).dividedBy(1_000_000));
  const amountOf = (value: Decimal): string => (value.isZero() ? toMoneyString(0) : toMoneyString(value));
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
    request: calls === 1 ? toMoneyString(r.perRequest ?? 0) : amountOf(new D(r.perRequest ?? 0).times(calls)),
  };
  return {
    amount: sumMoney(Object.values(breakdown).filter((value) => value !== toMoneyString(0))),
    currency: price.currency,
    breakdown,
    tierAboveInputTokens: tier?.aboveInputTokens ?? null,
  };
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

class Draw {
  constructor(readonly random: () => number) {}

  int(max: number): number {
    if (max <= 0xffffffff) return Math.floor(this.random() * (max + 1));
    // 53 random bits, then reduced: every safe integer can come out.
    const value = Math.floor(this.random() * 2 ** 21) * 2 ** 32 + Math.floor(this.random() * 2 ** 32);
    return value % (max + 1);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i += 1) s += String(this.int(9));
    return s;
  }

  /** A count of any magnitude up to `max`: often none, often small, sometimes near the largest safe integer. */
  count(max: number): number {
    const kind = this.random();
    if (kind < 0.3) return 0;
    if (kind < 0.6) return this.int(Math.min(max, 5_000));
    if (kind < 0.85) return this.int(Math.min(max, 10 ** this.int(12)));
    return this.int(max);
  }

  /**
   * A rate in plain notation: up to 15 decimals (sometimes up to 30 and 24 integer digits, far beyond any catalog,
   * where `Money` itself rounds), trailing and leading zeros included.
   */
  rate(): string {
    if (this.chance(0.05)) return this.chance(0.5) ? '0' : '0.000';
    const wide = this.chance(0.1);
    const integer = this.digits(wide ? 1 + this.int(24) : 1 + this.int(3)).replace(/^0+(?=\d)/, this.chance(0.1) ? '0' : '');
    const decimals = wide ? this.int(30) : this.int(15);
    return decimals === 0 ? integer : `${integer}.${this.digits(decimals)}`;
  }

  rates(): PriceRates {
    const optional = ['cachedInput', 'cacheWrite', 'cacheWrite1h', 'reasoning', 'inputAudio', 'cachedInputAudio', 'outputAudio'] as const;
    const more = ['inputImage', 'cachedInputImage', 'outputImage', 'perRequest'] as const;
    const rates: Record<string, string> = { input: this.rate(), output: this.rate() };
    for (const field of [...optional, ...more]) if (this.chance(0.4)) rates[field] = this.rate();
    return rates as unknown as PriceRates;
  }

  /** Usage that `checkUsage` accepts: disjoint parts, each whole below 2^53. */
  usage(): UsageCounts {
    const room = { input: MAX_SAFE, output: MAX_SAFE };
    const take = (side: 'input' | 'output'): number => {
      const value = this.count(room[side]);
      room[side] -= value;
      return value;
    };
    const cachedInputAudioTokens = take('input');
    const cachedInputImageTokens = take('input');
    const cachedText = take('input');
    const cacheWriteTokens = take('input');
    const cacheWrite1hTokens = this.int(cacheWriteTokens);
    const uncachedAudio = take('input');
    const uncachedImage = take('input');
    const uncachedText = take('input');
    const reasoningTokens = take('output');
    const outputAudioTokens = take('output');
    const outputImageTokens = take('output');
    const textOutput = take('output');
    return {
      inputTokens:
        cachedInputAudioTokens + cachedInputImageTokens + cachedText + cacheWriteTokens + uncachedAudio + uncachedImage + uncachedText,
      outputTokens: reasoningTokens + outputAudioTokens + outputImageTokens + textOutput,
      cachedInputTokens: cachedInputAudioTokens + cachedInputImageTokens + cachedText,
      cacheWriteTokens,
      cacheWrite1hTokens,
      reasoningTokens,
      inputAudioTokens: cachedInputAudioTokens + uncachedAudio,
      cachedInputAudioTokens,
      outputAudioTokens,
      inputImageTokens: cachedInputImageTokens + uncachedImage,
      cachedInputImageTokens,
      outputImageTokens,
    };
  }

  entry(usage: UsageCounts): PriceEntry {
    const tiers: PriceTier[] = [];
    let above = -1;
    for (let n = this.int(3); n > 0; n -= 1) {
      // Thresholds around the prompt, so that every tier is sometimes the one in force.
      above += 1 + this.int(Math.max(1, Math.floor(usage.inputTokens / 2)));
      tiers.push({ aboveInputTokens: above, rates: this.rates() });
    }
    return {
      id: 'random',
      provider: 'test',
      model: 'random-model',
      effectiveFrom: null,
      effectiveTo: null,
      currency: 'USD',
      rates: this.rates(),
      ...(tiers.length > 0 ? { tiers } : {}),
    };
  }

  calls(): number {
    const kind = this.random();
    if (kind < 0.4) return 1;
    if (kind < 0.8) return 2 + this.int(1_000);
    return 1 + this.int(this.chance(0.5) ? 2 ** 40 : MAX_SAFE - 1);
  }
}

const SEED = 0x15c0575;
const RUNS = 10_000;

describe('computeCost and computeTrafficCost in scaled integers', () => {
  it(`give what decimal.js gives, digit for digit, for ${RUNS} random calls (seed ${SEED})`, () => {
    const draw = new Draw(seededRandom(SEED));
    let tiered = 0;
    let rounded = 0;
    let wide = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const usage = draw.usage();
      const entry = draw.entry(usage);
      const calls = draw.calls();
      const expected = referenceCost(usage, calls, entry);
      const actual = calls === 1 && draw.chance(0.5) ? computeCost(usage, entry) : computeTrafficCost(usage, calls, entry);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        expect({ run, usage, calls, entry, cost: actual }).toEqual({ run, usage, calls, entry, cost: expected });
      }
      if (expected.tierAboveInputTokens !== null) tiered += 1;
      if (Object.values(expected.breakdown).some((amount) => amount.replace('.', '').replace(/^0+/, '').length > 24)) wide += 1;
      // Only a rate far wider than a catalog's can make Money round (computing it exactly for each draw is slow).
      const wideRate = /"[\d.]{25,}"/.test(JSON.stringify(entry));
      if (wideRate && JSON.stringify(referenceCost(usage, calls, entry, Exact)) !== JSON.stringify(expected)) rounded += 1;
    }
    // The draw reaches what it is meant to: long-context tiers, amounts too wide for a catalog, and some where
    // Money's rounding to 40 significant digits shows in the result.
    expect(tiered).toBeGreaterThan(RUNS / 10);
    expect(wide).toBeGreaterThan(RUNS / 100);
    expect(rounded).toBeGreaterThan(0);
  });

  it.each<[string, UsageCounts, PriceRates, number, boolean]>([
    // 5e-13 is a tie at 12 decimals: half-even keeps the even 0; 1.5e-12 and 2.5e-12 both round to 2e-12.
    ['a tie rounding to zero', { inputTokens: 1, outputTokens: 3 }, { input: '0.0000005', output: '0.0000005' }, 1, false],
    ['ties around an odd digit', { inputTokens: 3, outputTokens: 5 }, { input: '0.0000005', output: '0.0000005' }, 1, false],
    [
      'the largest counts at a long rate',
      { inputTokens: MAX_SAFE, outputTokens: MAX_SAFE },
      { input: '999.999999999999999', output: '0.000000000000001' },
      1,
      false,
    ],
    // 16 + 36 significant digits, 31 of them before the point: Money's rounding to 40 digits shows at 12 decimals.
    [
      'a product Money rounds',
      { inputTokens: MAX_SAFE, outputTokens: 1 },
      { input: '123456789012345678901.123456789012345', output: '1' },
      1,
      true,
    ],
    [
      'the per-request price of many calls',
      { inputTokens: 0, outputTokens: 0 },
      { input: '1', output: '1', perRequest: '0.000000000000055' },
      3,
      false,
    ],
    [
      'a per-request price of many digits, one call',
      { inputTokens: 0, outputTokens: 0 },
      { input: '1', output: '1', perRequest: '0.1234567890125' },
      1,
      false,
    ],
    [
      'a per-request product Money rounds',
      { inputTokens: 0, outputTokens: 0 },
      { input: '1', output: '1', perRequest: '98765432109876543.2109876543210987654' },
      MAX_SAFE,
      true,
    ],
    ['no usage at all', { inputTokens: 0, outputTokens: 0 }, { input: '3', output: '15' }, 1, false],
  ])('%s', (_, usage, rates, calls, roundedByMoney) => {
    const entry: PriceEntry = { id: 'x', provider: 'test', model: 'm', effectiveFrom: null, effectiveTo: null, currency: 'USD', rates };
    expect(computeTrafficCost(usage, calls, entry)).toEqual(referenceCost(usage, calls, entry));
    if (roundedByMoney) expect(referenceCost(usage, calls, entry, Exact)).not.toEqual(referenceCost(usage, calls, entry));
  });

  it('reads any other notation decimal.js reads as it did, and refuses what it refused with its error', () => {
    const entry = (rates: Record<string, unknown>): PriceEntry =>
      ({ id: 'x', provider: 'test', model: 'm', effectiveFrom: null, effectiveTo: null, currency: 'USD', rates }) as unknown as PriceEntry;
    const usage: UsageCounts = { inputTokens: 1_234_567, outputTokens: 89, cachedInputTokens: 1_000 };
    for (const rates of [
      { input: '1.5e-1', output: '6E+0', cachedInput: '.075' },
      { input: 3, output: '0x0f' },
    ]) {
      expect(computeCost(usage, entry(rates))).toEqual(referenceCost(usage, 1, entry(rates)));
    }
    // An empty bucket reads no rate, as before: a broken rate only fails a call that uses it.
    expect(computeCost({ inputTokens: 10, outputTokens: 0 }, entry({ input: '1', output: 'abc' })).amount).toBe('0.000010000000');
    for (const rates of [{ input: '1', output: 'abc' }, { input: '1' }, { input: '1', output: null }]) {
      const usage1: UsageCounts = { inputTokens: 1, outputTokens: 1 };
      let reference: unknown;
      try {
        referenceCost(usage1, 1, entry(rates));
      } catch (error) {
        reference = error;
      }
      expect(reference).toBeInstanceOf(Error);
      expect(() => computeCost(usage1, entry(rates))).toThrow((reference as Error).message);
    }
  });

  it('refuses a negative or non-finite rate, naming it, where decimal.js priced it', () => {
    const entry = (rates: Record<string, unknown>, tiers?: PriceTier[]): PriceEntry =>
      ({
        id: 'x',
        provider: 'test',
        model: 'm',
        effectiveFrom: null,
        effectiveTo: null,
        currency: 'USD',
        rates,
        tiers,
      }) as unknown as PriceEntry;
    const usage: UsageCounts = { inputTokens: 100, outputTokens: 100, cachedInputTokens: 10 };
    expect(() => computeCost(usage, entry({ input: '1', output: '-1' }))).toThrow(
      expect.objectContaining({ code: PricingErrorCode.InvalidPriceEntry, field: 'rates/output' }),
    );
    expect(() =>
      computeCost(
        usage,
        entry({ input: '1', output: '1' }, [{ aboveInputTokens: 5, rates: { input: '1', output: '2', cachedInput: 'Infinity' } }]),
      ),
    ).toThrow(expect.objectContaining({ code: PricingErrorCode.InvalidPriceEntry, field: 'tiers/0/rates/cachedInput' }));
    expect(() => computeCost(usage, entry({ input: 'NaN', output: '1' }))).toThrow(PricingError);
  });
});
