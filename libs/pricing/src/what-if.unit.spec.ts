/**
 * Every expected figure below is worked out by hand from the providers' published list prices (USD per million
 * tokens), in the comment beside it; nothing is computed by the code under test to check itself.
 *   gpt-4o            2.50 input, 1.25 cached input, 10.00 output                  (openai.com/api/pricing)
 *   gpt-4o-mini       0.15 input, 0.075 cached input, 0.60 output
 *   gpt-4.1-mini      0.40 input, 0.10 cached input, 1.60 output
 *   claude-sonnet-4-5 3.00 input, 0.30 cache read, 3.75 cache write (5 min), 6.00 (1 h), 15.00 output;
 *                     above 200k input tokens a request: 6.00 input, 22.50 output   (anthropic.com/pricing)
 *   claude-haiku-4-5  1.00 input, 0.10 cache read, 1.25 cache write (5 min), 2.00 (1 h), 5.00 output
 */
import type { UsageCounts } from '@llmlab/contracts';
import { loadGenaiPricesProviders, seedFromGenaiPrices } from './genai-prices.seed';
import { createPriceCatalog, type PriceCatalog } from './price-catalog';
import type { PriceEntry, PriceRates } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';
import { compareModels, planModelComparison, planWhatIf, whatIf, type TrafficRow, type WhatIfPricing } from './what-if';

function entry(provider: string, model: string, rates: PriceRates, extra: Partial<PriceEntry> = {}): PriceEntry {
  return {
    id: `${provider}/${model}/${extra.effectiveFrom ?? 'always'}/${extra.timeOfDay?.from ?? 'all-day'}`,
    provider,
    model,
    effectiveFrom: null,
    effectiveTo: null,
    currency: 'USD',
    rates,
    ...extra,
  };
}

const LIST_PRICES: PriceEntry[] = [
  entry('openai', 'gpt-4o', { input: '2.5', cachedInput: '1.25', output: '10' }),
  entry('openai', 'gpt-4o-mini', { input: '0.15', cachedInput: '0.075', output: '0.6' }),
  entry('openai', 'gpt-4.1-mini', { input: '0.4', cachedInput: '0.1', output: '1.6' }),
  entry(
    'anthropic',
    'claude-sonnet-4-5',
    { input: '3', cachedInput: '0.3', cacheWrite: '3.75', cacheWrite1h: '6', output: '15' },
    { tiers: [{ aboveInputTokens: 200_000, rates: { input: '6', cachedInput: '0.6', cacheWrite: '7.5', output: '22.5' } }] },
  ),
  entry('anthropic', 'claude-haiku-4-5', { input: '1', cachedInput: '0.1', cacheWrite: '1.25', cacheWrite1h: '2', output: '5' }),
];
const pricing: WhatIfPricing = { catalog: createPriceCatalog(LIST_PRICES) };

function row(
  provider: string,
  model: string,
  day: string,
  calls: number,
  usage: UsageCounts,
  cost: string | null,
  tag?: string,
): TrafficRow {
  return { provider, model, day, calls, usage, cost, ...(tag !== undefined ? { tag } : {}) };
}

// gpt-4o, feature "search": 1.6M uncached × 2.50 = 4.00, 0.4M cached × 1.25 = 0.50, 0.3M output × 10 = 3.00 → 7.50
const SEARCH = row(
  'openai',
  'gpt-4o',
  '2025-11-03',
  1000,
  { inputTokens: 2_000_000, cachedInputTokens: 400_000, outputTokens: 300_000 },
  '7.5',
  'search',
);
// gpt-4o, feature "chat": 1M × 2.50 = 2.50, 0.2M × 10 = 2.00 → 4.50
const CHAT = row('openai', 'gpt-4o', '2025-11-03', 500, { inputTokens: 1_000_000, outputTokens: 200_000 }, '4.5', 'chat');
// claude-sonnet-4-5, untagged: 0.3M uncached × 3 = 0.90, 0.6M read × 0.30 = 0.18, 0.1M written × 3.75 = 0.375,
// 50k output × 15 = 0.75 → 2.205
const SONNET = row(
  'anthropic',
  'claude-sonnet-4-5',
  '2025-11-04',
  200,
  { inputTokens: 1_000_000, cachedInputTokens: 600_000, cacheWriteTokens: 100_000, outputTokens: 50_000 },
  '2.205',
);
const TRAFFIC = [SEARCH, CHAT, SONNET];

/** Exact decimals as the engine prints them: 12 places; written here as short literals. */
const m = (amount: string): string => {
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  return `${amount.startsWith('-') ? '-' : ''}${whole}.${fraction.padEnd(12, '0')}`;
};

describe('whatIf: substitutions', () => {
  it('reprices a model sent to a cheaper one at the target list prices, and leaves other traffic at its recorded cost', () => {
    const result = whatIf(
      TRAFFIC,
      { substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4o-mini' } }] },
      pricing,
    );
    // search on gpt-4o-mini: 1.6M × 0.15 = 0.24, 0.4M × 0.075 = 0.03, 0.3M × 0.60 = 0.18 → 0.45
    // chat on gpt-4o-mini:   1M × 0.15 = 0.15, 0.2M × 0.60 = 0.12 → 0.27
    expect(result.rows).toEqual([
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        target: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        calls: 200,
        changedCalls: 0,
        actualCost: m('2.205'),
        projectedCost: m('2.205'),
        difference: m('0'),
        unpricedDays: [],
        batchUnavailable: false,
      },
      {
        provider: 'openai',
        model: 'gpt-4o',
        target: { provider: 'openai', model: 'gpt-4o-mini' },
        calls: 1500,
        changedCalls: 1500,
        actualCost: m('12'),
        projectedCost: m('0.72'),
        difference: m('-11.28'),
        unpricedDays: [],
        batchUnavailable: false,
      },
    ]);
    expect(result.totals).toEqual({
      calls: 1700,
      actualCost: m('14.205'),
      projectedCost: m('2.925'),
      difference: m('-11.28'),
      comparable: { rows: 2, calls: 1700, actualCost: m('14.205'), projectedCost: m('2.925'), difference: m('-11.28') },
      unpricedRows: 0,
    });
  });

  it('matches a tag: a substitution naming the tag beats one for every tag of the model, whatever their order', () => {
    const result = whatIf(
      TRAFFIC,
      {
        substitutions: [
          { match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4.1-mini' } },
          { match: { provider: 'openai', model: 'gpt-4o', tag: 'search' }, use: { provider: 'openai', model: 'gpt-4o-mini' } },
        ],
      },
      pricing,
    );
    // chat on gpt-4.1-mini: 1M × 0.40 = 0.40, 0.2M × 1.60 = 0.32 → 0.72; search on gpt-4o-mini 0.45 (above)
    expect(result.rows.map((r) => [r.target.model, r.actualCost, r.projectedCost, r.difference])).toEqual([
      ['claude-sonnet-4-5', m('2.205'), m('2.205'), m('0')],
      ['gpt-4.1-mini', m('4.5'), m('0.72'), m('-3.78')],
      ['gpt-4o-mini', m('7.5'), m('0.45'), m('-7.05')],
    ]);
    expect(result.totals.projectedCost).toBe(m('3.375'));
  });

  it('with a tag alone, moves only that tag; the rest of the model keeps its recorded cost in a row of its own', () => {
    const result = whatIf(
      TRAFFIC,
      {
        substitutions: [
          { match: { provider: 'OpenAI', model: 'GPT-4o', tag: 'search' }, use: { provider: 'open_ai', model: 'gpt-4o-mini' } },
        ],
      },
      pricing,
    );
    expect(result.rows.map((r) => [r.model, r.target.model, r.changedCalls, r.actualCost, r.projectedCost])).toEqual([
      ['claude-sonnet-4-5', 'claude-sonnet-4-5', 0, m('2.205'), m('2.205')],
      ['gpt-4o', 'gpt-4o', 0, m('4.5'), m('4.5')],
      ['gpt-4o', 'gpt-4o-mini', 1000, m('7.5'), m('0.45')],
    ]);
  });

  it('matches untagged traffic with the empty tag, and a tag of another name matches nothing', () => {
    const toHaiku = (tag: string) =>
      whatIf(
        TRAFFIC,
        {
          substitutions: [
            {
              match: { provider: 'anthropic', model: 'claude-sonnet-4-5', tag },
              use: { provider: 'anthropic', model: 'claude-haiku-4-5' },
            },
          ],
        },
        pricing,
      );
    // on claude-haiku-4-5: 0.3M × 1 = 0.30, 0.6M × 0.10 = 0.06, 0.1M × 1.25 = 0.125, 50k × 5 = 0.25 → 0.735
    expect(toHaiku('').rows.find((r) => r.provider === 'anthropic')).toMatchObject({
      target: { model: 'claude-haiku-4-5' },
      projectedCost: m('0.735'),
    });
    expect(toHaiku('search').rows.find((r) => r.provider === 'anthropic')).toMatchObject({
      target: { model: 'claude-sonnet-4-5' },
      changedCalls: 0,
    });
  });

  it('prices a long-context tier when the calls’ mean prompt exceeds it, and the base rates when it does not', () => {
    const long = row('openai', 'gpt-4o', '2025-11-03', 10, { inputTokens: 2_500_000, outputTokens: 10_000 }, '6.35'); // 250k a call
    const short = row('openai', 'gpt-4o', '2025-11-03', 10, { inputTokens: 1_900_000, outputTokens: 10_000 }, '4.85'); // 190k a call
    const toSonnet = {
      substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'anthropic', model: 'claude-sonnet-4-5' } }],
    };
    // above 200k: 2.5M × 6 = 15.00, 10k × 22.50 = 0.225 → 15.225; base: 1.9M × 3 = 5.70, 10k × 15 = 0.15 → 5.85
    expect(whatIf([long], toSonnet, pricing).totals.projectedCost).toBe(m('15.225'));
    expect(whatIf([short], toSonnet, pricing).totals.projectedCost).toBe(m('5.85'));
  });
});

describe('whatIf: batch discounts', () => {
  it('takes the provider’s published discount off the batched share, in scope only', () => {
    const openaiBatched = whatIf(TRAFFIC, { batch: { scope: { provider: 'openai' } } }, pricing);
    // gpt-4o repriced at its own list price (12.00, as recorded), half price → 6.00; Anthropic out of scope
    expect(openaiBatched.rows.map((r) => [r.model, r.changedCalls, r.projectedCost])).toEqual([
      ['claude-sonnet-4-5', 0, m('2.205')],
      ['gpt-4o', 1500, m('6')],
    ]);
    // half of the Anthropic calls at half price: 2.205 × (1 − 0.5 × 0.5) = 1.65375
    const half = whatIf([SONNET], { batch: { share: '0.5' } }, pricing);
    expect(half.totals).toMatchObject({ actualCost: m('2.205'), projectedCost: m('1.65375'), difference: m('-0.55125') });
  });

  it('applies the discount of the target provider after a substitution', () => {
    const result = whatIf(
      [SEARCH, CHAT],
      { substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4o-mini' } }], batch: {} },
      pricing,
    );
    // 0.72 on gpt-4o-mini, half price → 0.36
    expect(result.totals.projectedCost).toBe(m('0.36'));
  });

  it('leaves a provider without a batch discount at its price and says so', () => {
    const catalog = createPriceCatalog([...LIST_PRICES, entry('mistral', 'mistral-large-latest', { input: '2', output: '6' })]);
    const mistral = row('mistral', 'mistral-large-latest', '2025-11-03', 10, { inputTokens: 1_000_000, outputTokens: 100_000 }, '2.6');
    const result = whatIf([mistral], { batch: {} }, { catalog });
    expect(result.rows[0]).toMatchObject({ changedCalls: 0, projectedCost: m('2.6'), difference: m('0'), batchUnavailable: true });
  });
});

describe('whatIf: prompt caching', () => {
  // claude-sonnet-4-5 with nothing cached: 2M × 3 = 6.00, 100k output × 15 = 1.50 → 7.50
  const uncached = row('anthropic', 'claude-sonnet-4-5', '2025-11-04', 100, { inputTokens: 2_000_000, outputTokens: 100_000 }, '7.5');

  it('moves the shares of uncached input to cache reads and writes, priced at the cache rates', () => {
    const result = whatIf([uncached], { promptCaching: { cachedShare: '0.7', cacheWriteShare: '0.1' } }, pricing);
    // 0.4M × 3 = 1.20, 1.4M read × 0.30 = 0.42, 0.2M written × 3.75 = 0.75, output 1.50 → 3.87
    expect(result.totals).toMatchObject({ actualCost: m('7.5'), projectedCost: m('3.87'), difference: m('-3.63') });
    // 1-hour entries: 0.2M written × 6.00 = 1.20 → 4.32
    const hour = whatIf([uncached], { promptCaching: { cachedShare: '0.7', cacheWriteShare: '0.1', cacheWriteTtl: '1h' } }, pricing);
    expect(hour.totals.projectedCost).toBe(m('4.32'));
  });

  it('bills cache writes as plain input where the price has no cache-write rate (OpenAI)', () => {
    const result = whatIf([CHAT], { promptCaching: { cachedShare: '0.5', cacheWriteShare: '0.1' } }, pricing);
    // 0.4M × 2.50 = 1.00, 0.5M read × 1.25 = 0.625, 0.1M written at input 2.50 = 0.25, 0.2M output × 10 = 2.00 → 3.875
    expect(result.totals.projectedCost).toBe(m('3.875'));
  });

  it('rounds read tokens down and written tokens up, and leaves tokens already cached as they were', () => {
    const odd = row(
      'anthropic',
      'claude-sonnet-4-5',
      '2025-11-04',
      1,
      { inputTokens: 1_201, cachedInputTokens: 200, outputTokens: 0 },
      '0.003063',
    );
    const result = whatIf([odd], { promptCaching: { cachedShare: '0.5', cacheWriteShare: '0.1' } }, pricing);
    // 1,001 uncached: 500 read (500.5 down), 101 written (100.1 up), 400 left.
    // 400 × 3 = 0.0012, (200 + 500) × 0.30 = 0.00021, 101 × 3.75 = 0.00037875 → 0.00178875
    expect(result.totals.projectedCost).toBe(m('0.00178875'));
  });

  it('applies in scope only, matched on the traffic as observed', () => {
    const result = whatIf(
      [uncached, CHAT],
      { promptCaching: { cachedShare: '0.7', cacheWriteShare: '0.1', scope: { model: 'claude-sonnet-4-5' } } },
      pricing,
    );
    expect(result.rows.map((r) => [r.model, r.changedCalls, r.projectedCost])).toEqual([
      ['claude-sonnet-4-5', 100, m('3.87')],
      ['gpt-4o', 0, m('4.5')],
    ]);
  });
});

describe('whatIf: unpriced and unknown costs', () => {
  it('reports a target without a price as unpriced, with its days, never as $0, and keeps the totals honest', () => {
    const result = whatIf(
      TRAFFIC,
      { substitutions: [{ match: { provider: 'openai', model: 'gpt-4o', tag: 'chat' }, use: { provider: 'openai', model: 'gpt-next' } }] },
      pricing,
    );
    const unpriced = result.rows.find((r) => r.target.model === 'gpt-next');
    expect(unpriced).toMatchObject({
      actualCost: m('4.5'),
      projectedCost: null,
      difference: null,
      unpricedDays: ['2025-11-03'],
      changedCalls: 500,
    });
    expect(result.totals).toEqual({
      calls: 1700,
      actualCost: m('14.205'),
      projectedCost: null,
      difference: null,
      // search unchanged (7.50) and Sonnet unchanged (2.205)
      comparable: { rows: 2, calls: 1200, actualCost: m('9.705'), projectedCost: m('9.705'), difference: m('0') },
      unpricedRows: 1,
    });
  });

  it('a price that starts mid-period leaves the days before it unpriced', () => {
    const catalog = createPriceCatalog([
      ...LIST_PRICES,
      entry('openai', 'gpt-next', { input: '1', output: '4' }, { effectiveFrom: '2025-11-04T00:00:00Z' }),
    ]);
    const days = ['2025-11-03', '2025-11-04'].map((day) => ({ ...CHAT, day }));
    const result = whatIf(
      days,
      { substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-next' } }] },
      { catalog },
    );
    expect(result.rows[0]).toMatchObject({ projectedCost: null, unpricedDays: ['2025-11-03'] });
  });

  it('a row recorded unpriced has no actual cost: its difference and the total’s are unknown, the comparable part is not', () => {
    const unknown = { ...CHAT, cost: null };
    const result = whatIf(
      [unknown, SONNET],
      { substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4o-mini' } }] },
      pricing,
    );
    expect(result.rows.find((r) => r.provider === 'openai')).toMatchObject({
      actualCost: null,
      projectedCost: m('0.27'),
      difference: null,
    });
    expect(result.totals).toMatchObject({
      actualCost: null,
      projectedCost: m('2.475'),
      difference: null,
      comparable: { rows: 1, calls: 200, actualCost: m('2.205'), projectedCost: m('2.205'), difference: m('0') },
      unpricedRows: 0,
    });
  });
});

describe('whatIf: effective-dated prices', () => {
  // A price cut of gpt-4o-mini from 2025-11-15 00:00 UTC: 0.10 input, 0.40 output.
  const catalog = createPriceCatalog([
    ...LIST_PRICES.filter((e) => e.model !== 'gpt-4o-mini'),
    entry('openai', 'gpt-4o-mini', { input: '0.15', cachedInput: '0.075', output: '0.6' }, { effectiveTo: '2025-11-15T00:00:00Z' }),
    entry('openai', 'gpt-4o-mini', { input: '0.1', cachedInput: '0.05', output: '0.4' }, { effectiveFrom: '2025-11-15T00:00:00Z' }),
  ]);
  // each day on gpt-4o: 1M × 2.50 + 100k × 10 = 3.50
  const usage = { inputTokens: 1_000_000, outputTokens: 100_000 };
  const toMini = { substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4o-mini' } }] };

  it('prices each day at the price in force that day when the price changes mid-period', () => {
    const traffic = ['2025-11-14', '2025-11-15'].map((day) => row('openai', 'gpt-4o', day, 100, usage, '3.5'));
    // 14th: 1M × 0.15 + 100k × 0.60 = 0.21; 15th: 1M × 0.10 + 100k × 0.40 = 0.14 → 0.35
    expect(whatIf(traffic, toMini, { catalog }).totals).toMatchObject({
      actualCost: m('7'),
      projectedCost: m('0.35'),
      difference: m('-6.65'),
    });
  });

  it('prices a row given at an instant at the price in force at that instant', () => {
    const before: TrafficRow = { provider: 'openai', model: 'gpt-4o', at: '2025-11-14T23:59:59Z', calls: 1, usage, cost: '3.5' };
    const after: TrafficRow = { ...before, at: '2025-11-15T00:00:00Z' };
    expect(whatIf([before], toMini, { catalog }).totals.projectedCost).toBe(m('0.21'));
    expect(whatIf([after], toMini, { catalog }).totals.projectedCost).toBe(m('0.14'));
  });

  it('prices with the organization’s own prices first', () => {
    const organizationOverrides = createPriceCatalog([entry('openai', 'gpt-4o-mini', { input: '0.05', output: '0.2' })]);
    const traffic = [row('openai', 'gpt-4o', '2025-11-14', 100, usage, '3.5')];
    // 1M × 0.05 + 100k × 0.20 = 0.07
    expect(whatIf(traffic, toMini, { catalog, organizationOverrides }).totals.projectedCost).toBe(m('0.07'));
  });

  it('gives a whole day the all-day price, and an instant inside a daily window that window’s price', () => {
    const offPeak = createPriceCatalog([
      ...LIST_PRICES,
      entry('deepseek', 'deepseek-chat', { input: '0.27', output: '1.1' }),
      entry('deepseek', 'deepseek-chat', { input: '0.135', output: '0.55' }, { timeOfDay: { from: '16:30:00', to: '00:30:00' } }),
    ]);
    const toDeepseek = {
      substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'deepseek', model: 'deepseek-chat' } }],
    };
    // all day: 1M × 0.27 + 100k × 1.10 = 0.38; off-peak: 1M × 0.135 + 100k × 0.55 = 0.19
    expect(whatIf([row('openai', 'gpt-4o', '2025-11-14', 100, usage, '3.5')], toDeepseek, { catalog: offPeak }).totals.projectedCost).toBe(
      m('0.38'),
    );
    const night: TrafficRow = { provider: 'openai', model: 'gpt-4o', at: '2025-11-14T17:00:00Z', calls: 100, usage, cost: '3.5' };
    expect(whatIf([night], toDeepseek, { catalog: offPeak }).totals.projectedCost).toBe(m('0.19'));
  });
});

describe('compareModels', () => {
  it('prices the same traffic on each candidate side by side; the observed model keeps its recorded cost', () => {
    const result = compareModels(
      [SEARCH, CHAT],
      [
        { provider: 'openai', model: 'gpt-4o' },
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'openai', model: 'gpt-4.1-mini' },
        { provider: 'openai', model: 'gpt-next' },
      ],
      pricing,
    );
    // gpt-4.1-mini: search 1.6M × 0.40 = 0.64, 0.4M × 0.10 = 0.04, 0.3M × 1.60 = 0.48 → 1.16; chat 0.72 → 1.88
    expect(
      result.map((c) => [c.candidate.model, c.totals.actualCost, c.totals.projectedCost, c.totals.difference, c.totals.unpricedRows]),
    ).toEqual([
      ['gpt-4o', m('12'), m('12'), m('0'), 0],
      ['gpt-4o-mini', m('12'), m('0.72'), m('-11.28'), 0],
      ['gpt-4.1-mini', m('12'), m('1.88'), m('-10.12'), 0],
      ['gpt-next', m('12'), null, null, 1],
    ]);
  });

  it('applies caching and batch changes to every candidate', () => {
    const [mini] = compareModels([CHAT], [{ provider: 'openai', model: 'gpt-4o-mini' }], pricing, { batch: {} });
    // 0.27 on gpt-4o-mini, half price → 0.135
    expect(mini.totals.projectedCost).toBe(m('0.135'));
  });
});

describe('planWhatIf: priced elsewhere (a price-quote request), settled here', () => {
  const changes = {
    substitutions: [{ match: { provider: 'openai', model: 'gpt-4o', tag: 'chat' }, use: { provider: 'openai', model: 'gpt-4o-mini' } }],
    promptCaching: { cachedShare: '0.5', scope: { provider: 'anthropic' } },
    batch: { scope: { tag: 'chat' } },
  };

  it('asks for the changed rows only, as they would be, and settles the amounts it is given', () => {
    const plan = planWhatIf(TRAFFIC, changes);
    expect(plan.prices).toEqual([
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        at: new Date('2025-11-03T00:00:00Z'),
        wholeDay: true,
        calls: 500,
        usage: expect.objectContaining({ inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 200_000 }),
      },
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        at: new Date('2025-11-04T00:00:00Z'),
        wholeDay: true,
        calls: 200,
        // 300,000 uncached: 150,000 more read from the cache
        usage: expect.objectContaining({ inputTokens: 1_000_000, cachedInputTokens: 750_000, cacheWriteTokens: 100_000 }),
      },
    ]);
    // Amounts as a quote service would answer; the chat row is batched at half price: 0.4 → 0.2.
    const result = plan.settle(['0.4', null]);
    expect(result.rows.map((r) => [r.model, r.target.model, r.actualCost, r.projectedCost, r.unpricedDays])).toEqual([
      ['claude-sonnet-4-5', 'claude-sonnet-4-5', m('2.205'), null, ['2025-11-04']],
      ['gpt-4o', 'gpt-4o', m('7.5'), m('7.5'), []],
      ['gpt-4o', 'gpt-4o-mini', m('4.5'), m('0.2'), []],
    ]);
    expect(result.totals.comparable).toEqual({ rows: 2, calls: 1500, actualCost: m('12'), projectedCost: m('7.7'), difference: m('-4.3') });
  });

  it('gives what whatIf gives when settled with the catalog’s amounts', () => {
    const plan = planWhatIf(TRAFFIC, changes);
    // chat on gpt-4o-mini 0.27 (above); Sonnet with 150k more read: 0.15M × 3 = 0.45, 0.75M × 0.30 = 0.225,
    // 0.1M × 3.75 = 0.375, 50k × 15 = 0.75 → 1.80
    expect(plan.settle(['0.27', '1.8'])).toEqual(whatIf(TRAFFIC, changes, pricing));
    expect(whatIf(TRAFFIC, changes, pricing).totals.projectedCost).toBe(m('9.435')); // 7.50 + 0.135 + 1.80
  });

  it('refuses amounts that do not answer its requests one for one, or are not decimal strings', () => {
    const plan = planWhatIf(TRAFFIC, changes);
    expect(() => plan.settle(['0.27'])).toThrow(expect.objectContaining({ code: PricingErrorCode.InvalidWhatIf, field: 'amounts' }));
    expect(() => plan.settle(['0.27', '-1'])).toThrow(
      expect.objectContaining({ code: PricingErrorCode.InvalidWhatIf, field: 'amounts/1' }),
    );
  });

  it('plans a model comparison as one list of requests and settles one result per candidate', () => {
    const plan = planModelComparison(
      [CHAT],
      [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'openai', model: 'gpt-4.1-mini' },
      ],
    );
    expect(plan.prices.map((p) => p.model)).toEqual(['gpt-4o-mini', 'gpt-4.1-mini']);
    expect(plan.settle(['0.27', null]).map((c) => [c.candidate.model, c.totals.projectedCost])).toEqual([
      ['gpt-4o-mini', m('0.27')],
      ['gpt-4.1-mini', null],
    ]);
  });
});

describe('whatIf on the seeded catalog (genai-prices)', () => {
  let catalog: PriceCatalog;
  beforeAll(async () => {
    const seed = seedFromGenaiPrices(await loadGenaiPricesProviders());
    catalog = createPriceCatalog(seed.entries, { providerFallbacks: seed.providerFallbacks, unsupportedRegex: 'native' });
  });

  it('gives the figures worked out from the published list prices', () => {
    const result = whatIf(
      TRAFFIC,
      {
        substitutions: [
          { match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4o-mini' } },
          { match: { provider: 'anthropic', model: 'claude-sonnet-4-5' }, use: { provider: 'anthropic', model: 'claude-haiku-4-5' } },
        ],
      },
      { catalog },
    );
    // gpt-4o → gpt-4o-mini 0.72 and claude-sonnet-4-5 → claude-haiku-4-5 0.735 (above) → 1.455
    expect(result.rows.map((r) => [r.target.model, r.projectedCost])).toEqual([
      ['claude-haiku-4-5', m('0.735')],
      ['gpt-4o-mini', m('0.72')],
    ]);
    expect(result.totals).toMatchObject({ actualCost: m('14.205'), projectedCost: m('1.455'), difference: m('-12.75') });
  });
});

describe('whatIf: what it refuses', () => {
  const refusal = (run: () => unknown): { code: string; field: string } => {
    try {
      run();
    } catch (err) {
      if (err instanceof PricingError) return { code: err.code, field: err.field };
      throw err;
    }
    throw new Error('did not throw');
  };
  const sub = { match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4o-mini' } };

  it.each([
    [
      'two substitutions for the same traffic',
      () => whatIf(TRAFFIC, { substitutions: [sub, { ...sub, match: { provider: 'OpenAI', model: 'GPT-4O' } }] }, pricing),
      'changes/substitutions/1/match',
    ],
    ['a share above 1', () => whatIf(TRAFFIC, { batch: { share: '1.5' } }, pricing), 'changes/batch/share'],
    [
      'a share that is not a decimal string',
      () => whatIf(TRAFFIC, { promptCaching: { cachedShare: 0.5 as unknown as string } }, pricing),
      'changes/promptCaching/cachedShare',
    ],
    [
      'read and write shares above 1 together',
      () => whatIf(TRAFFIC, { promptCaching: { cachedShare: '0.8', cacheWriteShare: '0.3' } }, pricing),
      'changes/promptCaching/cacheWriteShare',
    ],
    ['a day that does not exist', () => whatIf([{ ...CHAT, day: '2025-02-30' }], {}, pricing), 'traffic/0/day'],
    ['both a day and an instant', () => whatIf([{ ...CHAT, at: '2025-11-03T00:00:00Z' }], {}, pricing), 'traffic/0'],
    ['no calls', () => whatIf([{ ...CHAT, calls: 0 }], {}, pricing), 'traffic/0/calls'],
    ['a float cost', () => whatIf([{ ...CHAT, cost: 4.5 as unknown as string }], {}, pricing), 'traffic/0/cost'],
    [
      'a substitution without a model',
      () => whatIf(TRAFFIC, { substitutions: [{ ...sub, use: { provider: 'openai', model: ' ' } }] }, pricing),
      'changes/substitutions/0/use/model',
    ],
    ['a candidate without a provider', () => compareModels(TRAFFIC, [{ model: 'gpt-4o' } as never], pricing), 'candidates/0/provider'],
  ])('%s', (_name, run, field) => {
    expect(refusal(run)).toEqual({ code: PricingErrorCode.InvalidWhatIf, field });
  });

  it('impossible usage, naming the row and the count', () => {
    expect(refusal(() => whatIf([{ ...CHAT, usage: { inputTokens: 10, cachedInputTokens: 11, outputTokens: 0 } }], {}, pricing))).toEqual({
      code: PricingErrorCode.InvalidUsage,
      field: 'traffic/0/usage/cachedInputTokens',
    });
  });
});

// Guards the helper the expectations are written with, so that a wrong expectation cannot hide behind it.
it('m() writes amounts as the engine prints them', () => {
  expect([m('2.205'), m('-11.28'), m('0'), m('0.00178875')]).toEqual([
    '2.205000000000',
    '-11.280000000000',
    '0.000000000000',
    '0.001788750000',
  ]);
});
