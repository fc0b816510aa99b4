import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { calcPrice, type MatchLogic, type Provider } from '@pydantic/genai-prices';
import { computeCost } from './cost-calculator';
import { GENAI_PRICES_ATTRIBUTION, loadGenaiPricesProviders, seedFromGenaiPrices, type GenaiPricesSeed } from './genai-prices.seed';
import { createPriceCatalog, resolvePrice, type PriceCatalog } from './price-catalog';
import type { PriceEntry } from './price-entry';
import { PricingErrorCode } from './pricing.errors';
import { normalizeProvider, providerAliases } from './provider-names';

let providers: readonly Provider[];
let seed: GenaiPricesSeed;
let catalog: PriceCatalog;

beforeAll(async () => {
  providers = await loadGenaiPricesProviders();
  seed = seedFromGenaiPrices(providers);
  catalog = createPriceCatalog(seed.entries, { providerFallbacks: seed.providerFallbacks, unsupportedRegex: 'native' });
});

const entriesOf = (provider: string, model: string): PriceEntry[] =>
  seed.entries.filter((e) => e.provider === provider && e.model === model);
const resolve = (provider: string, model: string, iso: string) => resolvePrice(catalog, { provider, model, at: new Date(iso) });

describe('seedFromGenaiPrices on the bundled dataset', () => {
  it('credits the dataset as its package.json states it', () => {
    const packageJson = JSON.parse(
      readFileSync(join(dirname(require.resolve('@pydantic/genai-prices')), '..', 'package.json'), 'utf8'),
    ) as { name: string; license: string; repository: { url: string } };
    expect(GENAI_PRICES_ATTRIBUTION).toMatchObject({
      name: packageJson.name,
      license: packageJson.license,
      url: packageJson.repository.url,
    });
    expect(GENAI_PRICES_ATTRIBUTION).toEqual({
      name: '@pydantic/genai-prices',
      author: 'Pydantic Team',
      license: 'MIT',
      url: 'https://github.com/pydantic/genai-prices',
    });
    expect(seed.attribution).toBe(GENAI_PRICES_ATTRIBUTION);
  });

  it('is deterministic and gives entries a valid, unambiguous catalog accepts', () => {
    expect(JSON.stringify(seedFromGenaiPrices(providers))).toBe(JSON.stringify(seed));
    expect(new Set(seed.entries.map((e) => e.id)).size).toBe(seed.entries.length);
    expect(catalog.entries).toHaveLength(seed.entries.length);
  });

  it('covers every provider of the dataset', () => {
    expect(providers.length).toBeGreaterThanOrEqual(40);
    const seeded = new Set(seed.entries.map((e) => e.provider));
    expect([...seeded].sort()).toEqual(providers.map((p) => p.id).sort());
  });

  it('converts OpenAI gpt-4o with its dated aliases and cached-input price', () => {
    expect(entriesOf('openai', 'gpt-4o')).toEqual([
      {
        id: 'genai-prices:openai:gpt-4o@origin',
        provider: 'openai',
        model: 'gpt-4o',
        aliases: ['gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'],
        effectiveFrom: null,
        effectiveTo: null,
        currency: 'USD',
        rates: { input: '2.5', output: '10', cachedInput: '1.25' },
      },
    ]);
    expect(resolve('openai', 'gpt-4o-2024-08-06', '2025-01-01T00:00:00Z')).toMatchObject({
      entry: { model: 'gpt-4o' },
      matchedBy: 'alias',
    });
    // Its web-search prices cannot be billed from token usage and are reported instead.
    expect(seed.unsupported).toContainEqual({
      provider: 'openai',
      model: 'gpt-4o',
      priceKeys: ['storage_searches_kcount', 'web_searches_kcount'],
      modelUnpriced: false,
    });
  });

  it('converts Anthropic Claude Sonnet 3.5 with cache-read, cache-write and 1-hour cache-write prices', () => {
    const [sonnet] = entriesOf('anthropic', 'claude-3-5-sonnet');
    expect(sonnet).toMatchObject({
      patterns: [
        { kind: 'prefix', value: 'claude-3-5-sonnet' },
        { kind: 'prefix', value: 'claude-3.5-sonnet' },
      ],
      rates: { input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', cacheWrite1h: '6' },
    });
    const resolved = resolve('anthropic', 'claude-3-5-sonnet-20241022', '2025-01-01T00:00:00Z');
    expect(resolved).toMatchObject({ entry: { id: sonnet.id }, matchedBy: 'pattern' });
    // 1000 uncached + 20000 cache reads + 5000 cache writes in, 500 out (worked by hand in the cost tests).
    const usage = { inputTokens: 26_000, cachedInputTokens: 20_000, cacheWriteTokens: 5_000, outputTokens: 500 };
    expect(computeCost(usage, sonnet).amount).toBe('0.035250000000');
  });

  it('turns a start_date price change into two effective-dated entries (OpenAI o3, 2025-06-10)', () => {
    expect(entriesOf('openai', 'o3').map((e) => [e.effectiveFrom, e.effectiveTo, e.rates.input])).toEqual([
      [null, '2025-06-10T00:00:00.000Z', '10'],
      ['2025-06-10T00:00:00.000Z', null, '2'],
    ]);
    const before = resolve('openai', 'o3-2025-04-16', '2025-06-09T23:59:59Z');
    const after = resolve('openai', 'o3-2025-04-16', '2025-06-10T00:00:01Z');
    expect(before?.entry.rates).toMatchObject({ input: '10', output: '40' });
    expect(after?.entry.rates).toMatchObject({ input: '2', output: '8' });
  });

  it('turns time-of-day prices into daily windows (DeepSeek off-peak discount)', () => {
    expect(entriesOf('deepseek', 'deepseek-chat').map((e) => [e.timeOfDay ?? null, e.rates.input])).toEqual([
      [null, '0.135'],
      [{ from: '00:30:00', to: '16:30:00' }, '0.27'],
    ]);
    expect(resolve('deepseek', 'deepseek-chat', '2025-03-01T00:29:59Z')?.entry.rates.input).toBe('0.135');
    expect(resolve('deepseek', 'deepseek-chat', '2025-03-01T00:30:00Z')?.entry.rates.input).toBe('0.27');
  });

  it('keeps long-context tiers (Claude Sonnet 4.5 above 200k input tokens)', () => {
    const [sonnet45] = entriesOf('anthropic', 'claude-sonnet-4-5');
    expect(sonnet45.tiers).toEqual([
      {
        aboveInputTokens: 200_000,
        rates: { input: '6', output: '22.5', cachedInput: '0.6', cacheWrite: '7.5', cacheWrite1h: '12' },
      },
    ]);
  });

  it('prices requests per request, and free models at zero', () => {
    expect(entriesOf('perplexity', 'sonar')[0].rates).toEqual({ input: '1', output: '1', perRequest: '0.012' });
    expect(entriesOf('mistral', 'mistral-nemo:free')[0].rates).toEqual({ input: '0', output: '0' });
  });

  it('gives no entry to a model priced only in units usage does not count, so it stays unpriced', () => {
    expect(entriesOf('openai', 'whisper-1')).toEqual([]);
    expect(seed.unsupported).toContainEqual({
      provider: 'openai',
      model: 'whisper-1',
      priceKeys: ['audio_hours', 'input_audio_hours'],
      modelUnpriced: true,
    });
    expect(resolve('openai', 'whisper-1', '2025-01-01T00:00:00Z')).toBeUndefined();
  });

  it('keeps the provider fallbacks: Azure and Vertex AI resell OpenAI and Anthropic models', () => {
    expect(seed.providerFallbacks).toMatchObject({ azure: expect.arrayContaining(['openai']), google: ['anthropic'] });
    const azure = resolve('azure', 'gpt-4o', '2025-01-01T00:00:00Z');
    expect(azure?.entry).toMatchObject({ provider: 'openai', model: 'gpt-4o' });
  });

  it('files prices under ids that normalizeProvider keeps, and maps every alias to one of them', () => {
    const ids = providers.map((p) => p.id);
    for (const id of ids) expect(normalizeProvider(id)).toBe(id);
    for (const target of providerAliases().values()) expect(ids).toContain(target);
  });

  it('agrees with genai-prices calcPrice on the model and the cost of every seeded model id and alias', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { disagreements, compared } = compareWithCalcPrice();
      expect(disagreements).toEqual([]);
      expect(compared).toBeGreaterThan(5_000);
    } finally {
      warn.mockRestore();
    }
  });
});

/**
 * Resolves every model id and alias of the dataset through our catalog and through `calcPrice`, at times of
 * day inside and outside DeepSeek's windows and one second around each model's own price changes, and prices
 * two usages (one beyond the long-context tiers) both ways. Ours may price a canonical id genai-prices does
 * not match, and leaves unpriced what only unsupported units price; anything else must agree.
 */
function compareWithCalcPrice(): { disagreements: string[]; compared: number } {
  const usages = [
    { input_tokens: 1_000, cache_read_tokens: 200, cache_write_tokens: 100, output_tokens: 500 },
    { input_tokens: 300_000, cache_read_tokens: 100_000, cache_write_tokens: 20_000, output_tokens: 2_000 },
  ];
  const everyModel = ['2024-01-01T07:00:00Z', '2026-01-15T02:30:00Z', '2026-09-30T20:00:00Z'];
  const changes = new Map<string, string[]>();
  for (const e of seed.entries) {
    if (!e.effectiveFrom) continue;
    const key = `${e.provider}/${e.model}`;
    const change = Date.parse(e.effectiveFrom);
    const around = [new Date(change - 1000).toISOString(), new Date(change + 1000).toISOString()];
    changes.set(key, [...(changes.get(key) ?? []), ...around]);
  }
  const unpriced = new Set(seed.unsupported.filter((u) => u.modelUnpriced).map((u) => `${u.provider}/${u.model}`));

  const disagreements: string[] = [];
  let compared = 0;
  const check = (providerId: string, id: string, at: Date): void => {
    const ours = resolvePrice(catalog, { provider: providerId, model: id, at });
    const theirs = calcPrice(usages[0], id, { providerId, timestamp: at });
    const where = `${providerId} ${id} ${at.toISOString()}`;
    if (!theirs || !ours) {
      if (theirs && !unpriced.has(`${theirs.provider.id}/${theirs.model.id}`)) disagreements.push(`${where}: unpriced`);
      if (ours && ours.matchedBy !== 'id') disagreements.push(`${where}: genai-prices prices nothing`);
      return;
    }
    if (ours.entry.provider !== theirs.provider.id || ours.entry.model !== theirs.model.id) {
      disagreements.push(`${where}: ${ours.entry.model} vs ${theirs.model.id}`);
      return;
    }
    for (const usage of usages) {
      const expected = calcPrice(usage, id, { providerId, timestamp: at })?.total_price ?? NaN;
      const ourUsage = {
        inputTokens: usage.input_tokens,
        cachedInputTokens: usage.cache_read_tokens,
        cacheWriteTokens: usage.cache_write_tokens,
        outputTokens: usage.output_tokens,
      };
      const actual = Number(computeCost(ourUsage, ours.entry).amount);
      compared += 1;
      // genai-prices computes in floats; ours is exact, rounded to 12 decimals.
      if (Math.abs(actual - expected) > 1e-9 * Math.max(1, expected)) {
        disagreements.push(`${where}: ${actual} vs ${expected}`);
      }
    }
  };

  for (const provider of providers) {
    for (const model of provider.models) {
      const instants = [...everyModel, ...(changes.get(`${provider.id}/${model.id}`) ?? [])];
      for (const id of [model.id, ...equalsOf(model.match)]) {
        for (const instant of instants) check(provider.id, id, new Date(instant));
      }
    }
  }
  return { disagreements, compared };
}

describe('seedFromGenaiPrices conversion rules', () => {
  const provider = (models: Provider['models']): Provider[] => [{ id: 'p', name: 'P', api_pattern: '.*', models }];

  it('converts a time window given with an offset to UTC, and accepts constraints without a type', () => {
    const { entries } = seedFromGenaiPrices(
      provider([
        {
          id: 'm',
          match: { equals: 'm' },
          prices: [
            { prices: { input_mtok: 1, output_mtok: 1 } },
            {
              constraint: { start_time: '08:30:00+08:00', end_time: '00:30:00+08:00' } as never,
              prices: { input_mtok: 2 },
            },
          ],
        },
      ]),
    );
    expect(entries.map((e) => e.timeOfDay ?? null)).toEqual([null, { from: '00:30:00', to: '16:30:00' }]);
    expect(entries[1].rates).toEqual({ input: '2', output: '0' });
  });

  it('merges identical consecutive periods and keeps the dataset order of conditions', () => {
    const { entries } = seedFromGenaiPrices(
      provider([
        {
          id: 'm',
          match: { starts_with: 'm-' },
          prices: [
            { prices: { input_mtok: 1, output_mtok: 2 } },
            { constraint: { type: 'start_date', start_date: '2025-01-01' }, prices: { input_mtok: 1, output_mtok: 2 } },
            { constraint: { type: 'start_date', start_date: '2025-06-01' }, prices: { input_mtok: 3, output_mtok: 4 } },
          ],
        },
      ]),
    );
    expect(entries.map((e) => [e.effectiveFrom, e.effectiveTo, e.rates.input])).toEqual([
      [null, '2025-06-01T00:00:00.000Z', '1'],
      ['2025-06-01T00:00:00.000Z', null, '3'],
    ]);
  });

  it('keeps nested and/or match rules as patterns and top-level equals as aliases', () => {
    const [converted] = seedFromGenaiPrices(
      provider([
        {
          id: 'Model-X',
          match: {
            or: [
              { equals: 'model-x' },
              { equals: 'Model-X-Latest' },
              { and: [{ starts_with: 'model-x-' }, { or: [{ ends_with: '-a' }, { regex: '^model-x-\\d+$' }] }] },
            ],
          },
          prices: { input_mtok: 1, output_mtok: 1 },
        },
      ]),
    ).entries;
    expect(converted.aliases).toEqual(['model-x-latest']);
    expect(converted.patterns).toEqual([
      {
        kind: 'all',
        patterns: [
          { kind: 'prefix', value: 'model-x-' },
          {
            kind: 'any',
            patterns: [
              { kind: 'suffix', value: '-a' },
              { kind: 'regex', value: '^model-x-\\d+$' },
            ],
          },
        ],
      },
    ]);
  });

  it('combines tiers of different rates into complete tier rates', () => {
    const [converted] = seedFromGenaiPrices(
      provider([
        {
          id: 'm',
          match: { equals: 'm' },
          prices: {
            input_mtok: {
              base: 1,
              tiers: [
                { start: 100, price: 2 },
                { start: 10, price: 1.5 },
              ],
            },
            output_mtok: { base: 4, tiers: [{ start: 100, price: 8 }] },
            cache_read_mtok: 0.1,
          },
        },
      ]),
    ).entries;
    expect(converted.rates).toEqual({ input: '1', output: '4', cachedInput: '0.1' });
    expect(converted.tiers).toEqual([
      { aboveInputTokens: 10, rates: { input: '1.5', output: '4', cachedInput: '0.1' } },
      { aboveInputTokens: 100, rates: { input: '2', output: '8', cachedInput: '0.1' } },
    ]);
  });

  it('reads the float prices of the dataset as the decimals they stand for', () => {
    const prices = { input_mtok: 0.18000000000000002, output_mtok: 0.1 + 0.2 };
    const [converted] = seedFromGenaiPrices(provider([{ id: 'm', match: { equals: 'm' }, prices }])).entries;
    expect(converted.rates).toEqual({ input: '0.18', output: '0.3' });
  });

  it.each([
    [
      'overlapping daily windows',
      [
        { constraint: { type: 'time_of_date', start_time: '01:00:00Z', end_time: '03:00:00Z' }, prices: {} },
        { constraint: { type: 'time_of_date', start_time: '02:00:00Z', end_time: '04:00:00Z' }, prices: {} },
      ],
    ],
    ['an unknown constraint', [{ constraint: { type: 'weekday', day: 'monday' }, prices: {} }]],
    ['a malformed start date', [{ constraint: { type: 'start_date', start_date: '2025-13-01' }, prices: {} }]],
    ['a negative price', [{ prices: { input_mtok: -1 } }]],
  ])('refuses %s rather than guess', (_, prices) => {
    const models = [{ id: 'm', match: { equals: 'm' }, prices: prices as never }];
    expect(() => seedFromGenaiPrices(provider(models))).toThrow(expect.objectContaining({ code: PricingErrorCode.InvalidDataset }));
  });
});

function equalsOf(logic: MatchLogic): string[] {
  if ('or' in logic) return logic.or.flatMap(equalsOf);
  return 'equals' in logic ? [logic.equals] : [];
}
