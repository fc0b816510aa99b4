import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { countRegexPatterns, createPriceCatalog, PATTERN_LIMITS, resolvePrice, resolvePriceSpan, type PriceCatalog } from './price-catalog';
import type { PriceEntry } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';
import { normalizeProvider } from './provider-names';

let sequence = 0;
function entry(fields: Partial<PriceEntry> & Pick<PriceEntry, 'provider' | 'model'>): PriceEntry {
  sequence += 1;
  return {
    id: `e${sequence}`,
    effectiveFrom: null,
    effectiveTo: null,
    currency: 'USD',
    rates: rates('1', '2'),
    ...fields,
  };
}

/** Input and output rates, for short entries. */
const rates = (input: string, output = input): PriceEntry['rates'] => ({ input, output });
const at = (iso: string): Date => new Date(iso);
const JAN_1 = '2025-01-01T00:00:00Z';
const resolveAt = (catalog: PriceCatalog, provider: string, model: string, when = JAN_1, overrides?: PriceCatalog) =>
  resolvePrice(catalog, { provider, model, at: at(when), organizationOverrides: overrides });
const inputRate = (catalog: PriceCatalog, provider: string, model: string, when = JAN_1): string | undefined =>
  resolveAt(catalog, provider, model, when)?.entry.rates.input;

describe('resolvePrice', () => {
  describe('effective dating', () => {
    const catalog = createPriceCatalog([
      entry({ provider: 'openai', model: 'o3', effectiveTo: '2025-06-10T00:00:00Z', rates: rates('10', '40') }),
      entry({ provider: 'openai', model: 'o3', effectiveFrom: '2025-06-10T00:00:00Z', rates: rates('2', '8') }),
    ]);

    it('gives the old price one second before a change and the new price one second after', () => {
      expect(inputRate(catalog, 'openai', 'o3', '2025-06-09T23:59:59Z')).toBe('10');
      expect(inputRate(catalog, 'openai', 'o3', '2025-06-10T00:00:01Z')).toBe('2');
    });

    it('treats [effectiveFrom, effectiveTo) as half-open: the change instant already has the new price', () => {
      expect(inputRate(catalog, 'openai', 'o3', '2025-06-10T00:00:00.000Z')).toBe('2');
      expect(inputRate(catalog, 'openai', 'o3', '2025-06-09T23:59:59.999Z')).toBe('10');
    });

    it('leaves an instant after the last price closed unpriced', () => {
      const closed = createPriceCatalog([entry({ provider: 'openai', model: 'gpt-3', effectiveTo: '2024-01-04T00:00:00+00:00' })]);
      expect(inputRate(closed, 'openai', 'gpt-3', '2024-01-03T23:59:59Z')).toBe('1');
      expect(resolveAt(closed, 'openai', 'gpt-3', '2024-01-04T00:00:00Z')).toBeUndefined();
    });

    it('applies a daily window inside it and the plain price outside it', () => {
      const deepseek = createPriceCatalog([
        entry({ provider: 'deepseek', model: 'deepseek-chat', rates: rates('0.135', '0.55') }),
        entry({
          provider: 'deepseek',
          model: 'deepseek-chat',
          timeOfDay: { from: '00:30:00', to: '16:30:00' },
          rates: rates('0.27', '1.1'),
        }),
      ]);
      expect(inputRate(deepseek, 'deepseek', 'deepseek-chat', '2025-03-01T00:29:59Z')).toBe('0.135');
      expect(inputRate(deepseek, 'deepseek', 'deepseek-chat', '2025-03-01T00:30:00Z')).toBe('0.27');
      expect(inputRate(deepseek, 'deepseek', 'deepseek-chat', '2025-03-01T16:29:59Z')).toBe('0.27');
      expect(inputRate(deepseek, 'deepseek', 'deepseek-chat', '2025-03-01T16:30:00Z')).toBe('0.135');
    });

    it('wraps a window that ends after midnight', () => {
      const night = createPriceCatalog([
        entry({ provider: 'p', model: 'm', rates: rates('1') }),
        entry({ provider: 'p', model: 'm', timeOfDay: { from: '22:00:00', to: '02:00:00' }, rates: rates('0.5') }),
      ]);
      expect(inputRate(night, 'p', 'm', '2025-03-01T21:59:59Z')).toBe('1');
      expect(inputRate(night, 'p', 'm', '2025-03-01T23:00:00Z')).toBe('0.5');
      expect(inputRate(night, 'p', 'm', '2025-03-02T01:59:59Z')).toBe('0.5');
      expect(inputRate(night, 'p', 'm', '2025-03-02T02:00:00Z')).toBe('1');
    });

    it('skips windowed prices when asked to price a whole day (ignoreTimeOfDay), and finds nothing if only they apply', () => {
      const deepseek = createPriceCatalog([
        entry({ provider: 'deepseek', model: 'deepseek-chat', rates: rates('0.27', '1.1') }),
        entry({
          provider: 'deepseek',
          model: 'deepseek-chat',
          timeOfDay: { from: '16:30:00', to: '00:30:00' },
          rates: rates('0.135', '0.55'),
        }),
        entry({ provider: 'p', model: 'night-only', timeOfDay: { from: '22:00:00', to: '02:00:00' } }),
      ]);
      const wholeDay = (provider: string, model: string) =>
        resolvePrice(deepseek, { provider, model, at: at('2025-03-01T00:00:00Z'), ignoreTimeOfDay: true });
      expect(inputRate(deepseek, 'deepseek', 'deepseek-chat', '2025-03-01T00:00:00Z')).toBe('0.135');
      expect(wholeDay('deepseek', 'deepseek-chat')?.entry.rates.input).toBe('0.27');
      expect(inputRate(deepseek, 'p', 'night-only', '2025-03-01T00:00:00Z')).toBe('1');
      expect(wholeDay('p', 'night-only')).toBeUndefined();
    });

    it('refuses an invalid instant', () => {
      const query = { provider: 'openai', model: 'o3', at: new Date('nope') };
      expect(() => resolvePrice(catalog, query)).toThrow(RangeError);
    });
  });

  describe('matching model ids', () => {
    const catalog = createPriceCatalog(
      [
        entry({
          provider: 'openai',
          model: 'gpt-4o',
          aliases: ['gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'],
          rates: rates('2.5', '10'),
        }),
        entry({ provider: 'openai', model: 'gpt-4o-2024-05-13', rates: rates('5', '15') }),
        entry({
          provider: 'anthropic',
          model: 'claude-3-5-sonnet',
          patterns: [
            { kind: 'prefix', value: 'claude-3-5-sonnet' },
            { kind: 'prefix', value: 'claude-3.5-sonnet' },
          ],
          rates: rates('3', '15'),
        }),
        entry({
          provider: 'openai',
          model: 'gpt-5.4',
          patterns: [{ kind: 'regex', value: '^gpt-5\\.4-\\d{4}-\\d{2}-\\d{2}$' }],
          rates: rates('2.5', '15'),
        }),
        entry({
          provider: 'google',
          model: 'gemini-2.5-pro',
          patterns: [
            {
              kind: 'all',
              patterns: [
                { kind: 'prefix', value: 'gemini-2.5-pro' },
                { kind: 'regex', value: '^(?!.*-tts(?:$|-))' },
              ],
            },
          ],
          rates: rates('1.25', '10'),
        }),
      ],
      // genai-prices' own lookahead, which RE2 cannot express: the operator's catalog runs it natively.
      { unsupportedRegex: 'native' },
    );

    it.each([
      ['openai', 'gpt-4o-2024-08-06', 'gpt-4o', 'alias'],
      ['openai', 'GPT-4o-2024-11-20 ', 'gpt-4o', 'alias'],
      ['openai', 'gpt-4o-2024-05-13', 'gpt-4o-2024-05-13', 'id'],
      ['anthropic', 'claude-3-5-sonnet-20241022', 'claude-3-5-sonnet', 'pattern'],
      ['anthropic', 'claude-3.5-sonnet-latest', 'claude-3-5-sonnet', 'pattern'],
      ['openai', 'gpt-5.4-2026-03-05', 'gpt-5.4', 'pattern'],
      // A compact date that matches nothing is retried in dashed form.
      ['openai', 'gpt-5.4-20260305', 'gpt-5.4', 'pattern'],
      ['google', 'gemini-2.5-pro-preview-06-05', 'gemini-2.5-pro', 'pattern'],
      // The Gemini API's resource name.
      ['gemini', 'models/gemini-2.5-pro', 'gemini-2.5-pro', 'id'],
    ])('%s %s finds %s by %s', (provider, model, expected, matchedBy) => {
      const resolved = resolveAt(catalog, provider, model);
      expect(resolved).toMatchObject({ entry: { model: expected }, matchedBy, origin: 'catalog' });
    });

    it.each([
      ['openai', 'gpt-4.5-preview'],
      ['openai', 'gpt-5.4-20261399'],
      ['google', 'gemini-2.5-pro-preview-tts'],
      ['anthropic', 'gpt-4o'],
      ['mistral', 'mistral-large'],
      ['constructor', 'gpt-4o'],
    ])('leaves %s %s unpriced', (provider, model) => {
      expect(resolveAt(catalog, provider, model)).toBeUndefined();
    });

    it('prefers the exact model id over an alias, and an alias over a pattern', () => {
      const ranked = createPriceCatalog([
        entry({ provider: 'p', model: 'family', patterns: [{ kind: 'prefix', value: 'family' }], rates: rates('1') }),
        entry({ provider: 'p', model: 'family-large', aliases: ['family-large-v2'], rates: rates('2') }),
        entry({ provider: 'p', model: 'family-large-v2', rates: rates('3') }),
      ]);
      expect(resolveAt(ranked, 'p', 'family-large-v2')).toMatchObject({ entry: { model: 'family-large-v2' }, matchedBy: 'id' });
      expect(inputRate(ranked, 'p', 'family-large')).toBe('2');
      expect(inputRate(ranked, 'p', 'family-large-v3')).toBe('1');

      const withoutId = createPriceCatalog(ranked.entries.slice(0, 2));
      expect(resolveAt(withoutId, 'p', 'family-large-v2')).toMatchObject({ entry: { model: 'family-large' }, matchedBy: 'alias' });
    });

    it('takes the first model in catalog order among matching patterns', () => {
      const ordered = createPriceCatalog([
        entry({ provider: 'p', model: 'mini', patterns: [{ kind: 'prefix', value: 'x-mini' }], rates: rates('1') }),
        entry({ provider: 'p', model: 'any', patterns: [{ kind: 'prefix', value: 'x-' }], rates: rates('9') }),
      ]);
      expect(inputRate(ordered, 'p', 'x-mini-2025')).toBe('1');
      expect(inputRate(ordered, 'p', 'x-large')).toBe('9');
    });

    it('skips a better match that has no price in force and takes the next one', () => {
      const later = createPriceCatalog([
        entry({ provider: 'p', model: 'm', patterns: [{ kind: 'prefix', value: 'm' }], rates: rates('1') }),
        entry({ provider: 'p', model: 'm-2', effectiveFrom: '2026-01-01T00:00:00Z', rates: rates('2') }),
      ]);
      expect(inputRate(later, 'p', 'm-2', '2025-12-31T23:59:59Z')).toBe('1');
      expect(inputRate(later, 'p', 'm-2', '2026-01-01T00:00:00Z')).toBe('2');
    });
  });

  describe('providers', () => {
    const catalog = createPriceCatalog(
      [
        entry({ provider: 'openai', model: 'gpt-4o', rates: rates('2.5', '10') }),
        entry({ provider: 'azure', model: 'o1', rates: rates('16.5', '66') }),
        entry({ provider: 'openai', model: 'o1', rates: rates('15', '60') }),
        entry({ provider: 'google', model: 'gemini-2.0-flash', rates: rates('0.1', '0.4') }),
        entry({ provider: 'aws', model: 'amazon.nova-pro-v1:0', rates: rates('0.8', '3.2') }),
      ],
      { providerFallbacks: { azure: ['openai'] } },
    );

    it.each([
      ['OpenAI', 'gpt-4o', '2.5'],
      ['gemini', 'gemini-2.0-flash', '0.1'],
      ['vertex_ai', 'gemini-2.0-flash', '0.1'],
      ['gcp.gemini', 'gemini-2.0-flash', '0.1'],
      ['bedrock', 'amazon.nova-pro-v1:0', '0.8'],
      ['aws.bedrock', 'amazon.nova-pro-v1:0', '0.8'],
    ])('accepts the provider name %s', (provider, model, rate) => {
      expect(inputRate(catalog, provider, model)).toBe(rate);
    });

    it('prices a model a provider resells at its fallback provider price, unless it has its own', () => {
      expect(resolveAt(catalog, 'azure.ai.openai', 'gpt-4o')).toMatchObject({
        entry: { provider: 'openai', model: 'gpt-4o' },
      });
      expect(inputRate(catalog, 'azure', 'o1')).toBe('16.5');
    });

    it('keeps unknown provider names, lower-cased, so they can be priced by an override', () => {
      expect(normalizeProvider('  My-LLM ')).toBe('my-llm');
      expect(normalizeProvider('constructor')).toBe('constructor');
    });
  });

  describe('organization overrides', () => {
    const catalog = createPriceCatalog([
      entry({ provider: 'openai', model: 'gpt-4o', aliases: ['gpt-4o-2024-08-06'], rates: rates('2.5', '10') }),
      entry({ provider: 'openai', model: 'gpt-4o-mini', rates: rates('0.15', '0.6') }),
    ]);
    const overrides = createPriceCatalog([
      entry({ provider: 'openai', model: 'gpt-4o', effectiveFrom: '2025-07-01T00:00:00Z', rates: rates('2', '8') }),
      entry({
        provider: 'openai',
        model: 'negotiated',
        patterns: [{ kind: 'prefix', value: 'gpt-4o-mini' }],
        rates: rates('0.1', '0.4'),
      }),
      entry({ provider: 'my-llm', model: 'house-model', rates: rates('0.01', '0.02') }),
    ]);
    const price = (provider: string, model: string, when = JAN_1) => resolveAt(catalog, provider, model, when, overrides);

    it('win over the catalog, even a pattern override over an exact catalog id', () => {
      expect(price('openai', 'gpt-4o', '2025-07-01T00:00:00Z')).toMatchObject({
        origin: 'override',
        entry: { rates: { input: '2' } },
      });
      expect(price('openai', 'gpt-4o-mini')).toMatchObject({
        origin: 'override',
        matchedBy: 'pattern',
        entry: { model: 'negotiated' },
      });
    });

    it('apply only while in force: before its effectiveFrom the catalog price applies', () => {
      expect(price('openai', 'gpt-4o', '2025-06-30T23:59:59Z')).toMatchObject({
        origin: 'catalog',
        entry: { rates: { input: '2.5' } },
      });
    });

    it('apply only to the provider they name, not through its fallbacks', () => {
      const withFallback = createPriceCatalog(catalog.entries, { providerFallbacks: { azure: ['openai'] } });
      const resolved = resolveAt(withFallback, 'azure', 'gpt-4o', '2025-08-01T00:00:00Z', overrides);
      expect(resolved).toMatchObject({ origin: 'catalog', entry: { provider: 'openai', rates: { input: '2.5' } } });
    });

    it('price models the catalog does not know', () => {
      expect(price('My-LLM', 'house-model')).toMatchObject({ origin: 'override' });
      expect(resolveAt(catalog, 'my-llm', 'house-model')).toBeUndefined();
    });
  });
});

describe('resolvePriceSpan', () => {
  const ms = (iso: string) => Date.parse(iso);
  const span = (catalog: PriceCatalog, model: string, when: string, overrides?: PriceCatalog, provider = 'openai') =>
    resolvePriceSpan(catalog, { provider, model, at: at(when), organizationOverrides: overrides });

  it('runs from the price that is in force to the next change of any price of the model', () => {
    const catalog = createPriceCatalog([
      entry({ provider: 'openai', model: 'o3', effectiveTo: '2025-06-10T00:00:00Z', rates: rates('10', '40') }),
      entry({ provider: 'openai', model: 'o3', effectiveFrom: '2025-06-10T00:00:00Z', rates: rates('2', '8') }),
      entry({ provider: 'openai', model: 'gpt-4o', effectiveFrom: '2025-03-01T00:00:00Z' }),
    ]);
    const before = span(catalog, 'o3', '2025-06-01T00:00:00Z');
    expect(before.price?.entry.rates.input).toBe('10');
    // Another model's change is not this one's.
    expect({ from: before.from, until: before.until }).toEqual({ from: -Infinity, until: ms('2025-06-10T00:00:00Z') });
    const after = span(catalog, 'o3', '2025-06-10T00:00:00Z');
    expect(after.price?.entry.rates.input).toBe('2');
    expect({ from: after.from, until: after.until }).toEqual({ from: ms('2025-06-10T00:00:00Z'), until: Infinity });
  });

  it("ends where an organization's price starts, and says so of a model nothing prices yet", () => {
    const catalog = createPriceCatalog([entry({ provider: 'openai', model: 'o3', rates: rates('10') })]);
    const overrides = createPriceCatalog(
      [entry({ provider: 'openai', model: 'o3', effectiveFrom: '2025-02-01T00:00:00Z', rates: rates('7') })],
      { unsupportedRegex: 'never-match' },
    );
    const now = span(catalog, 'o3', JAN_1, overrides);
    expect(now.price?.origin).toBe('catalog');
    expect(now.until).toBe(ms('2025-02-01T00:00:00Z'));
    expect(span(catalog, 'o3', '2025-02-01T00:00:00Z', overrides).price?.origin).toBe('override');
    const later = createPriceCatalog([entry({ provider: 'openai', model: 'o9', effectiveFrom: '2025-03-01T00:00:00Z' })]);
    const unpriced = span(later, 'o9', JAN_1);
    expect(unpriced.price).toBeUndefined();
    expect(unpriced.until).toBe(ms('2025-03-01T00:00:00Z'));
  });

  it('ends where a daily window opens or closes, and follows aliases, patterns and fallback providers', () => {
    const catalog = createPriceCatalog(
      [
        entry({ provider: 'deepseek', model: 'deepseek-chat', rates: rates('0.27') }),
        entry({ provider: 'deepseek', model: 'deepseek-chat', timeOfDay: { from: '16:30:00', to: '00:30:00' }, rates: rates('0.135') }),
        entry({ provider: 'openai', model: 'gpt-4o', aliases: ['gpt-4o-latest'], effectiveTo: '2025-05-01T00:00:00Z' }),
        entry({ provider: 'openai', model: 'o1', patterns: [{ kind: 'prefix', value: 'o1-' }], effectiveTo: '2025-04-01T00:00:00Z' }),
      ],
      { providerFallbacks: { azure: ['openai'] } },
    );
    const day = span(catalog, 'deepseek-chat', '2025-01-01T12:00:00Z', undefined, 'deepseek');
    expect(day.price?.entry.rates.input).toBe('0.27');
    expect({ from: day.from, until: day.until }).toEqual({ from: ms('2025-01-01T00:30:00Z'), until: ms('2025-01-01T16:30:00Z') });
    const night = span(catalog, 'deepseek-chat', '2025-01-01T23:00:00Z', undefined, 'deepseek');
    expect(night.price?.entry.rates.input).toBe('0.135');
    expect({ from: night.from, until: night.until }).toEqual({ from: ms('2025-01-01T16:30:00Z'), until: ms('2025-01-02T00:30:00Z') });
    expect(span(catalog, 'gpt-4o-latest', JAN_1, undefined, 'azure').until).toBe(ms('2025-05-01T00:00:00Z'));
    expect(span(catalog, 'o1-mini', JAN_1).until).toBe(ms('2025-04-01T00:00:00Z'));
  });

  it('answers as resolvePrice does at every instant of the span (random catalogs)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const instant = (lo: number, hi: number) => new Date(lo + Math.floor(random() * (hi - lo)));
    const start = ms('2025-01-01T00:00:00Z');
    const end = ms('2025-01-11T00:00:00Z');
    const hhmm = () => `${String(Math.floor(random() * 24)).padStart(2, '0')}:${random() < 0.5 ? '00' : '30'}:00`;
    for (let round = 0; round < 40; round++) {
      // Consecutive periods of one model, some with a daily window, in the catalog and among overrides.
      const periods = (source: string, count: number) => {
        const cuts = Array.from({ length: count - 1 }, () => instant(start, end).getTime()).sort((a, b) => a - b);
        const bounds = [null, ...cuts.map((c) => new Date(c).toISOString()), null];
        return bounds.slice(0, -1).flatMap((from, i) => {
          const base = entry({
            provider: 'openai',
            model: 'm',
            effectiveFrom: from,
            effectiveTo: bounds[i + 1],
            rates: rates(`${source}${i}`),
          });
          let window = { from: hhmm(), to: hhmm() };
          while (window.from === window.to) window = { from: hhmm(), to: hhmm() };
          return random() < 0.4
            ? [base, { ...entry({ provider: 'openai', model: 'm' }), effectiveFrom: from, effectiveTo: bounds[i + 1], timeOfDay: window }]
            : [base];
        });
      };
      const catalog = createPriceCatalog(periods('1', 1 + Math.floor(random() * 4)));
      const overrides = random() < 0.5 ? createPriceCatalog(periods('9', 1 + Math.floor(random() * 3))) : undefined;
      for (let probe = 0; probe < 10; probe++) {
        const when = instant(start, end);
        const found = resolvePriceSpan(catalog, { provider: 'openai', model: 'm', at: when, organizationOverrides: overrides });
        const lo = Math.max(found.from, start - 86_400_000);
        const hi = Math.min(found.until, end + 86_400_000);
        expect(lo).toBeLessThanOrEqual(when.getTime());
        expect(hi).toBeGreaterThan(when.getTime());
        for (const t of [lo, hi - 1, ...Array.from({ length: 8 }, () => instant(lo, hi).getTime())]) {
          const there = resolvePrice(catalog, { provider: 'openai', model: 'm', at: new Date(t), organizationOverrides: overrides });
          expect(there?.entry.id).toBe(found.price?.entry.id);
        }
      }
    }
  });
});

describe('createPriceCatalog', () => {
  const base = { provider: 'p', model: 'm' };
  const failure = (entries: PriceEntry[]): PricingError => {
    try {
      createPriceCatalog(entries);
    } catch (error) {
      return error as PricingError;
    }
    throw new Error('expected createPriceCatalog to throw');
  };

  it.each([
    ['a rate in exponent notation', [entry({ ...base, rates: rates('1e-7', '1') })], 'entries/0/rates/input'],
    ['a negative rate', [entry({ ...base, rates: { input: '-1', output: '1' } })], 'entries/0/rates/input'],
    ['a rate of 13 digits before the point', [entry({ ...base, rates: rates('1', '1000000000000') })], 'entries/0/rates/output'],
    ['a numeric rate', [entry({ ...base, rates: { input: 1, output: '1' } as never })], 'entries/0/rates/input'],
    ['a missing output rate', [entry({ ...base, rates: { input: '1' } as never })], 'entries/0/rates/output'],
    ['an unknown rate', [entry({ ...base, rates: { ...rates('1'), cached: '1' } as never })], 'entries/0/rates/cached'],
    ['another currency', [entry({ ...base, currency: 'EUR' as never })], 'entries/0/currency'],
    ['a date without a zone', [entry({ ...base, effectiveFrom: '2025-01-01T00:00:00' })], 'entries/0/effectiveFrom'],
    [
      'an end before the start',
      [entry({ ...base, effectiveFrom: '2025-01-02T00:00:00Z', effectiveTo: '2025-01-01T00:00:00Z' })],
      'entries/0/effectiveTo',
    ],
    ['a bad window', [entry({ ...base, timeOfDay: { from: '24:00:00', to: '01:00:00' } })], 'entries/0/timeOfDay/from'],
    ['an empty window', [entry({ ...base, timeOfDay: { from: '01:00:00', to: '01:00:00' } })], 'entries/0/timeOfDay/to'],
    ['a bad regex', [entry({ ...base, patterns: [{ kind: 'regex', value: '(' }] })], 'entries/0/patterns/0/value'],
    ['a backreference', [entry({ ...base, patterns: [{ kind: 'regex', value: '^(a+)\\1$' }] })], 'entries/0/patterns/0/value'],
    ['a lookahead', [entry({ ...base, patterns: [{ kind: 'regex', value: '^(?!x)' }] })], 'entries/0/patterns/0/value'],
    [
      'a regex that is too long',
      [entry({ ...base, patterns: [{ kind: 'regex', value: 'a'.repeat(PATTERN_LIMITS.maxRegexLength + 1) }] })],
      'entries/0/patterns/0/value',
    ],
    [
      'too many patterns',
      [
        entry({
          ...base,
          patterns: [
            {
              kind: 'any',
              patterns: Array.from({ length: PATTERN_LIMITS.maxPatternsPerEntry }, () => ({ kind: 'prefix' as const, value: 'm' })),
            },
          ],
        }),
      ],
      'entries/0/patterns',
    ],
    [
      'patterns nested too deep',
      [
        entry({
          ...base,
          patterns: [
            Array.from({ length: PATTERN_LIMITS.maxPatternDepth }).reduce<PriceEntry['patterns'] & object>(
              (inner) => [{ kind: 'all', patterns: inner }],
              [{ kind: 'prefix', value: 'm' }],
            )[0],
          ],
        }),
      ],
      'entries/0/patterns/0/patterns/0/patterns/0/patterns/0/patterns',
    ],
    ['an unknown pattern', [entry({ ...base, patterns: [{ kind: 'glob' } as never] })], 'entries/0/patterns/0/kind'],
    ['an empty alias', [entry({ ...base, aliases: [' '] })], 'entries/0/aliases/0'],
    [
      'tiers out of order',
      [
        entry({
          ...base,
          tiers: [
            { aboveInputTokens: 200_000, rates: rates('2') },
            { aboveInputTokens: 100_000, rates: rates('3') },
          ],
        }),
      ],
      'entries/0/tiers/1/aboveInputTokens',
    ],
    ['a duplicate id', [entry({ ...base, id: 'x' }), entry({ provider: 'p', model: 'n', id: 'x' })], 'entries/1/id'],
  ])('refuses %s, naming the field', (_, entries, field) => {
    const error = failure(entries);
    expect(error).toBeInstanceOf(PricingError);
    expect(error.code).toBe(PricingErrorCode.InvalidPriceEntry);
    expect(error.field).toBe(field);
  });

  it('refuses two entries of a model that would apply at the same instant', () => {
    const error = failure([
      entry({ ...base, effectiveTo: '2025-06-01T00:00:00Z' }),
      entry({ ...base, model: 'M', effectiveFrom: '2025-05-31T00:00:00Z' }),
    ]);
    expect(error.code).toBe(PricingErrorCode.OverlappingPriceEntries);
    expect(error.field).toBe('entries/1');
  });

  it('refuses overlapping daily windows of a model, but accepts a window over a plain price', () => {
    expect(
      failure([
        entry({ ...base, timeOfDay: { from: '22:00:00', to: '02:00:00' } }),
        entry({ ...base, timeOfDay: { from: '01:00:00', to: '03:00:00' } }),
      ]).code,
    ).toBe(PricingErrorCode.OverlappingPriceEntries);
    expect(() => createPriceCatalog([entry(base), entry({ ...base, timeOfDay: { from: '01:00:00', to: '03:00:00' } })])).not.toThrow();
  });

  it('accepts back-to-back periods', () => {
    expect(() =>
      createPriceCatalog([
        entry({ ...base, effectiveTo: '2025-06-01T00:00:00Z' }),
        entry({ ...base, effectiveFrom: '2025-06-01T00:00:00Z' }),
      ]),
    ).not.toThrow();
  });
});

describe('regex patterns (ReDoS)', () => {
  // Patterns that make a backtracking engine take exponential (or huge polynomial) time on forty `a`s and a `!`.
  const PATHOLOGICAL = ['^(a+)+$', '(a|aa)+$', '(.*a){20}'];
  const MODEL = `${'a'.repeat(40)}!`;

  it('matches them in linear time: a child process prices the model against each, and ends', () => {
    // Run in a child process so that a backtracking engine is killed at the deadline instead of hanging the suite.
    // The deadline is not a measurement: linear matching takes milliseconds, backtracking would take days.
    const script = `
      const { createPriceCatalog, resolvePrice } = require(${JSON.stringify(require.resolve('./price-catalog'))});
      const out = ${JSON.stringify(PATHOLOGICAL)}.map((value, i) => {
        const overrides = createPriceCatalog([{ id: 'o' + i, provider: 'p', model: 'm' + i, effectiveFrom: null, effectiveTo: null,
          currency: 'USD', rates: { input: '1', output: '1' }, patterns: [{ kind: 'regex', value }] }]);
        const found = resolvePrice(createPriceCatalog([]), { provider: 'p', model: ${JSON.stringify(MODEL)}, at: new Date(), organizationOverrides: overrides });
        return found ? found.entry.model : null;
      });
      process.stdout.write(JSON.stringify(out));
    `;
    const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      // From the repository's root, where @swc-node/register finds tsconfig.json and its path aliases.
      cwd: resolve(__dirname, '../../..'),
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect({ signal: child.signal, stderr: child.stderr }).toEqual({ signal: null, stderr: '' });
    // `(.*a){20}` finds twenty `a`s; the anchored ones do not match because of the `!`.
    expect(JSON.parse(child.stdout)).toEqual([null, null, 'm2']);
  }, 90_000);

  it('still matches what RE2 can express', () => {
    const overrides = createPriceCatalog([
      entry({ provider: 'p', model: 'family', patterns: [{ kind: 'regex', value: '^fam-\\d{4}(-mini)?$' }], rates: rates('7') }),
    ]);
    expect(resolveAt(createPriceCatalog([]), 'p', 'FAM-2026-mini', JAN_1, overrides)).toMatchObject({
      entry: { model: 'family' },
      matchedBy: 'pattern',
    });
    expect(resolveAt(createPriceCatalog([]), 'p', 'fam-2026-max', JAN_1, overrides)).toBeUndefined();
  });

  it('lets a stored pattern RE2 cannot run match nothing, without breaking the other prices', () => {
    const stored = createPriceCatalog(
      [
        entry({ provider: 'p', model: 'old', patterns: [{ kind: 'regex', value: '^(a)\\1' }], rates: rates('1') }),
        entry({ provider: 'p', model: 'new', patterns: [{ kind: 'prefix', value: 'aa' }], rates: rates('2') }),
      ],
      { unsupportedRegex: 'never-match' },
    );
    expect(resolveAt(createPriceCatalog([]), 'p', 'aab', JAN_1, stored)).toMatchObject({ entry: { model: 'new' } });
  });

  it('counts regex patterns, nested ones included', () => {
    expect(
      countRegexPatterns([
        { kind: 'regex', value: 'a' },
        {
          kind: 'any',
          patterns: [
            { kind: 'regex', value: 'b' },
            { kind: 'prefix', value: 'c' },
          ],
        },
      ]),
    ).toBe(2);
  });
});
