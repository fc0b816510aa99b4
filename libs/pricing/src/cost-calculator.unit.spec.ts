import type { UsageCounts } from '@llmlab/contracts';
import { computeCost, computeTrafficCost } from './cost-calculator';
import { sumMoney } from '@llmlab/domain';
import type { PriceEntry, PriceRates, PriceTier } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';

function price(rates: PriceRates, tiers?: PriceTier[]): PriceEntry {
  return {
    id: 'test',
    provider: 'test',
    model: 'test-model',
    effectiveFrom: null,
    effectiveTo: null,
    currency: 'USD',
    rates,
    ...(tiers ? { tiers } : {}),
  };
}

// Per-million rates as published by the providers (and in genai-prices).
const claude35Sonnet = price({ input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', cacheWrite1h: '6' });
const gpt4o = price({ input: '2.5', output: '10', cachedInput: '1.25' });
const gpt4oMini = price({ input: '0.15', output: '0.6', cachedInput: '0.075' });

const zero = '0.000000000000';

describe('computeCost', () => {
  it('prices an Anthropic call with cache reads and writes once each (worked by hand)', () => {
    // Anthropic reported input_tokens 1000, cache_read_input_tokens 20000, cache_creation_input_tokens 5000.
    const usage: UsageCounts = { inputTokens: 26_000, cachedInputTokens: 20_000, cacheWriteTokens: 5_000, outputTokens: 500 };
    const cost = computeCost(usage, claude35Sonnet);
    //  1000 uncached × $3/M    = 0.003
    // 20000 cache reads × $0.30/M = 0.006
    //  5000 cache writes × $3.75/M = 0.01875
    //   500 output × $15/M     = 0.0075
    expect(cost.breakdown).toEqual({
      input: '0.003000000000',
      cachedInput: '0.006000000000',
      cacheWrite: '0.018750000000',
      output: '0.007500000000',
      reasoning: zero,
      audio: zero,
      image: zero,
      request: zero,
    });
    expect(cost.amount).toBe('0.035250000000');
    // Charging the cached tokens again at the input rate would have given 0.11025.
    expect(cost.amount).not.toBe('0.110250000000');
    expect(cost.currency).toBe('USD');
    expect(cost.tierAboveInputTokens).toBeNull();
  });

  it('prices an OpenAI call whose prompt_tokens include cached tokens once (worked by hand)', () => {
    // prompt_tokens 2000 of which cached_tokens 1536, completion_tokens 300.
    const cost = computeCost({ inputTokens: 2_000, cachedInputTokens: 1_536, outputTokens: 300 }, gpt4o);
    //  464 uncached × $2.50/M = 0.00116
    // 1536 cached × $1.25/M   = 0.00192
    //  300 output × $10/M     = 0.003
    expect(cost.breakdown.input).toBe('0.001160000000');
    expect(cost.breakdown.cachedInput).toBe('0.001920000000');
    expect(cost.breakdown.output).toBe('0.003000000000');
    expect(cost.amount).toBe('0.006080000000');
  });

  it('bills reasoning tokens inside outputTokens once, at the output rate when no reasoning rate exists', () => {
    const o3 = price({ input: '2', output: '8', cachedInput: '0.5' });
    const cost = computeCost({ inputTokens: 1_000, outputTokens: 5_000, reasoningTokens: 4_000 }, o3);
    expect(cost.breakdown.output).toBe('0.008000000000'); // 1000 visible tokens
    expect(cost.breakdown.reasoning).toBe('0.032000000000'); // 4000 reasoning tokens at $8/M
    expect(cost.amount).toBe('0.042000000000'); // not 0.074: reasoning is not added on top of output
  });

  it('uses a separate reasoning rate when the entry has one', () => {
    const sonarDeepResearch = price({ input: '2', output: '8', reasoning: '3' });
    const usage = { inputTokens: 0, outputTokens: 3_000_000, reasoningTokens: 2_000_000 };
    const cost = computeCost(usage, sonarDeepResearch);
    expect(cost.breakdown.output).toBe('8.000000000000');
    expect(cost.breakdown.reasoning).toBe('6.000000000000');
    expect(cost.amount).toBe('14.000000000000');
  });

  it('bills 1-hour cache writes at their own rate and the rest of the writes at the 5-minute rate', () => {
    const usage = { inputTokens: 10_000, cacheWriteTokens: 10_000, cacheWrite1hTokens: 4_000, outputTokens: 0 };
    // 6000 × $3.75/M + 4000 × $6/M = 0.0225 + 0.024
    expect(computeCost(usage, claude35Sonnet).breakdown.cacheWrite).toBe('0.046500000000');
    // Without a 1-hour rate every write is billed at the cache-write rate.
    const fiveMinuteOnly = price({ input: '3', output: '15', cacheWrite: '3.75' });
    expect(computeCost(usage, fiveMinuteOnly).breakdown.cacheWrite).toBe('0.037500000000');
  });

  it('bills cached and cache-write tokens at the input rate when the entry has no cache rates', () => {
    const plain = price({ input: '1', output: '2' });
    const usage = { inputTokens: 1_000_000, cachedInputTokens: 300_000, cacheWriteTokens: 200_000, outputTokens: 0 };
    const cost = computeCost(usage, plain);
    expect(cost.breakdown).toMatchObject({
      input: '0.500000000000',
      cachedInput: '0.300000000000',
      cacheWrite: '0.200000000000',
    });
    expect(cost.amount).toBe('1.000000000000');
  });

  it('puts audio and image tokens, cached or not, in their own buckets at their own rates', () => {
    const realtimeMini = price({
      input: '0.6',
      output: '2.4',
      cachedInput: '0.06',
      inputAudio: '10',
      cachedInputAudio: '0.3',
      outputAudio: '20',
      inputImage: '0.8',
      cachedInputImage: '0.08',
    });
    const usage: UsageCounts = {
      inputTokens: 10_000,
      cachedInputTokens: 4_000,
      inputAudioTokens: 3_000,
      cachedInputAudioTokens: 1_000,
      inputImageTokens: 2_000,
      cachedInputImageTokens: 500,
      outputTokens: 1_000,
      outputAudioTokens: 600,
    };
    const cost = computeCost(usage, realtimeMini);
    // text: 10000 - 4000 cached - 2000 uncached audio - 1500 uncached image = 2500 × 0.6
    expect(cost.breakdown.input).toBe('0.001500000000');
    // cached text: 4000 - 1000 - 500 = 2500 × 0.06
    expect(cost.breakdown.cachedInput).toBe('0.000150000000');
    // audio: 2000 × 10 + 1000 × 0.3 + 600 × 20
    expect(cost.breakdown.audio).toBe('0.032300000000');
    // image: 1500 × 0.8 + 500 × 0.08
    expect(cost.breakdown.image).toBe('0.001240000000');
    // text output: 400 × 2.4
    expect(cost.breakdown.output).toBe('0.000960000000');
    expect(cost.amount).toBe('0.036150000000');
  });

  it('falls back to the text rates for audio and image when the entry has no modality rates', () => {
    const cost = computeCost({ inputTokens: 1_000, inputImageTokens: 1_000, outputTokens: 0 }, gpt4o);
    expect(cost.breakdown.image).toBe('0.002500000000');
    expect(cost.breakdown.input).toBe(zero);
  });

  it('adds the per-request price once per call', () => {
    const sonar = price({ input: '1', output: '1', perRequest: '0.012' });
    expect(computeCost({ inputTokens: 0, outputTokens: 0 }, sonar).amount).toBe('0.012000000000');
  });

  it('switches every rate to the long-context tier when inputTokens, cached included, exceeds the threshold', () => {
    const sonnet45 = price({ input: '3', output: '15', cachedInput: '0.3' }, [
      { aboveInputTokens: 200_000, rates: { input: '6', output: '22.5', cachedInput: '0.6' } },
    ]);
    const usage = { inputTokens: 200_000, cachedInputTokens: 150_000, outputTokens: 1_000 };
    const atThreshold = computeCost(usage, sonnet45);
    expect(atThreshold.tierAboveInputTokens).toBeNull();
    expect(atThreshold.amount).toBe('0.210000000000'); // 50000 × 3 + 150000 × 0.3 + 1000 × 15
    const above = computeCost({ ...usage, inputTokens: 200_001 }, sonnet45);
    expect(above.tierAboveInputTokens).toBe(200_000);
    expect(above.amount).toBe('0.412506000000'); // 50001 × 6 + 150000 × 0.6 + 1000 × 22.5
  });

  it('picks the highest tier whose threshold is exceeded', () => {
    const tiered = price({ input: '1', output: '1' }, [
      { aboveInputTokens: 100, rates: { input: '2', output: '2' } },
      { aboveInputTokens: 1_000, rates: { input: '3', output: '3' } },
    ]);
    expect(computeCost({ inputTokens: 1_000_000, outputTokens: 0 }, tiered).amount).toBe('3.000000000000');
    expect(computeCost({ inputTokens: 1_000, outputTokens: 0 }, tiered).amount).toBe('0.002000000000');
  });

  it('rounds each bucket half-even to 12 decimals, and the amount is exactly their sum', () => {
    const odd = price({ input: '0.0000015', output: '0.0000025' });
    const cost = computeCost({ inputTokens: 1, outputTokens: 1 }, odd);
    // 1.5e-12 rounds to 2e-12, 2.5e-12 rounds to 2e-12
    expect(cost.breakdown.input).toBe('0.000000000002');
    expect(cost.breakdown.output).toBe('0.000000000002');
    expect(cost.amount).toBe(sumMoney(Object.values(cost.breakdown)));
    expect(cost.amount).toBe('0.000000000004');
  });

  it('sums a million tiny costs to the exact total', () => {
    const tiny = computeCost({ inputTokens: 1, outputTokens: 0 }, gpt4oMini).amount; // $0.15/M × 1
    const small = computeCost({ inputTokens: 3, outputTokens: 1 }, gpt4oMini).amount; // 3 × 0.15 + 0.6, per M
    expect([tiny, small]).toEqual(['0.000000150000', '0.000001050000']);
    const amounts = Array.from({ length: 1_000_000 }, (_, i) => (i % 2 === 0 ? tiny : small));
    // 500000 × 0.00000015 + 500000 × 0.00000105 = 0.075 + 0.525
    expect(sumMoney(amounts)).toBe('0.600000000000');
    const floatTotal = amounts.reduce((sum, amount) => sum + Number(amount), 0);
    expect(floatTotal).not.toBe(0.6);
  });

  describe('rejects impossible usage, naming the field', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a negative count', { inputTokens: -1, outputTokens: 0 }, 'inputTokens'],
      ['a fractional count', { inputTokens: 10, outputTokens: 1.5 }, 'outputTokens'],
      ['a string count', { inputTokens: '10', outputTokens: 0 }, 'inputTokens'],
      ['a missing total', { outputTokens: 0 }, 'inputTokens'],
      ['an unsafe integer', { inputTokens: 2 ** 53, outputTokens: 0 }, 'inputTokens'],
      ['cached tokens beyond input', { inputTokens: 10, cachedInputTokens: 11, outputTokens: 0 }, 'cachedInputTokens'],
      [
        'cached plus cache-write beyond input',
        { inputTokens: 10, cachedInputTokens: 6, cacheWriteTokens: 5, outputTokens: 0 },
        'cacheWriteTokens',
      ],
      [
        '1-hour writes beyond all writes',
        { inputTokens: 10, cacheWriteTokens: 2, cacheWrite1hTokens: 3, outputTokens: 0 },
        'cacheWrite1hTokens',
      ],
      ['reasoning beyond output', { inputTokens: 0, outputTokens: 5, reasoningTokens: 6 }, 'reasoningTokens'],
      [
        'audio output beyond what reasoning leaves',
        { inputTokens: 0, outputTokens: 5, reasoningTokens: 3, outputAudioTokens: 3 },
        'outputAudioTokens',
      ],
      [
        'uncached audio beyond what the cache leaves',
        { inputTokens: 10, cachedInputTokens: 8, inputAudioTokens: 3, outputTokens: 0 },
        'inputAudioTokens',
      ],
      [
        'cached audio beyond audio',
        { inputTokens: 10, cachedInputTokens: 5, inputAudioTokens: 1, cachedInputAudioTokens: 2, outputTokens: 0 },
        'cachedInputAudioTokens',
      ],
      [
        'cached audio and image beyond cached',
        {
          inputTokens: 10,
          cachedInputTokens: 2,
          inputAudioTokens: 2,
          cachedInputAudioTokens: 2,
          inputImageTokens: 1,
          cachedInputImageTokens: 1,
          outputTokens: 0,
        },
        'cachedInputTokens',
      ],
    ];

    it.each(cases)('%s', (_, usage, field) => {
      const run = (): unknown => computeCost(usage as unknown as UsageCounts, gpt4o);
      expect(run).toThrow(PricingError);
      expect(run).toThrow(expect.objectContaining({ code: PricingErrorCode.InvalidUsage, field }));
    });
  });
});

describe('computeTrafficCost', () => {
  const sonnet45 = price({ input: '3', output: '15' }, [{ aboveInputTokens: 200_000, rates: { input: '6', output: '22.5' } }]);

  it('prices summed calls as computeCost prices one: one call gives the same cost', () => {
    const usage: UsageCounts = { inputTokens: 26_000, cachedInputTokens: 20_000, cacheWriteTokens: 5_000, outputTokens: 500 };
    expect(computeTrafficCost(usage, 1, claude35Sonnet)).toEqual(computeCost(usage, claude35Sonnet));
  });

  it('adds the per-request price once per call', () => {
    const sonar = price({ input: '1', output: '1', perRequest: '0.012' });
    // 250 × 0.012 = 3, 1000 tokens × $1/M = 0.001
    expect(computeTrafficCost({ inputTokens: 1_000, outputTokens: 0 }, 250, sonar).amount).toBe('3.001000000000');
  });

  it('applies a long-context tier when the mean prompt of the calls exceeds it', () => {
    // 3 calls, 600,000 tokens: a mean of exactly 200,000 stays on the base rates: 600000 × 3 = 1.80
    expect(computeTrafficCost({ inputTokens: 600_000, outputTokens: 0 }, 3, sonnet45)).toMatchObject({
      amount: '1.800000000000',
      tierAboveInputTokens: null,
    });
    // one token more tips the mean over: 600001 × 6 = 3.600006
    expect(computeTrafficCost({ inputTokens: 600_001, outputTokens: 0 }, 3, sonnet45)).toMatchObject({
      amount: '3.600006000000',
      tierAboveInputTokens: 200_000,
    });
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %p calls', (calls) => {
    expect(() => computeTrafficCost({ inputTokens: 1, outputTokens: 1 }, calls, gpt4oMini)).toThrow(
      expect.objectContaining({ code: PricingErrorCode.InvalidUsage, field: 'calls' }),
    );
  });
});
