import { Money } from '@llmlab/domain';
import { loadGenaiPricesProviders, seedFromGenaiPrices } from './genai-prices.seed';
import { cheaperModel, cheaperModels, MODEL_EQUIVALENCE, modelEquivalence, type ModelEquivalenceTable } from './model-equivalence';
import { createPriceCatalog, resolvePrice, type PriceCatalog, type ResolvedPrice } from './price-catalog';
import { PricingError, PricingErrorCode } from './pricing.errors';

/** The instant the table's claims are checked at: the catalog's prices then. */
const AT = new Date('2025-12-01T00:00:00Z');

let catalog: PriceCatalog;
beforeAll(async () => {
  const seed = seedFromGenaiPrices(await loadGenaiPricesProviders());
  catalog = createPriceCatalog(seed.entries, { providerFallbacks: seed.providerFallbacks, unsupportedRegex: 'native' });
});

const split = (ref: string): [string, string] => [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)];

/** The model's own price: by its id or an alias, or a pattern of an entry named after it (`claude-3-7-sonnet-latest`). */
function ownPrice(ref: string): ResolvedPrice | undefined {
  const [provider, model] = split(ref);
  const found = resolvePrice(catalog, { provider, model, at: AT });
  if (!found || found.entry.provider !== provider) return undefined;
  if (found.matchedBy === 'pattern' && !found.entry.model.startsWith(`${model}-`)) return undefined;
  return found;
}

const ids = [...new Set(Object.entries(MODEL_EQUIVALENCE).flatMap(([from, to]) => [from, ...to]))].sort();

describe('MODEL_EQUIVALENCE', () => {
  it.each(ids)('%s has a catalog price of its own', (id) => {
    expect(ownPrice(id)).toBeDefined();
  });

  it.each(Object.entries(MODEL_EQUIVALENCE))(
    '%s → %s: same provider, and each alternative cheaper for input and output',
    (from, alternatives) => {
      const source = ownPrice(from)!.entry.rates;
      expect(alternatives.length).toBeGreaterThan(0);
      for (const to of alternatives) {
        expect(split(to)[0]).toBe(split(from)[0]);
        const target = ownPrice(to)!.entry.rates;
        expect({ to, input: new Money(target.input).lessThanOrEqualTo(source.input) }).toEqual({ to, input: true });
        expect({ to, output: new Money(target.output).lessThanOrEqualTo(source.output) }).toEqual({ to, output: true });
        expect({ to, cheaper: new Money(target.input).plus(target.output).lessThan(new Money(source.input).plus(source.output)) }).toEqual({
          to,
          cheaper: true,
        });
      }
    },
  );

  it('is written canonically (lower case, provider ids), so the organization merge leaves it as it is', () => {
    expect(modelEquivalence()).toEqual(MODEL_EQUIVALENCE);
  });
});

describe('cheaperModels', () => {
  it('lists the alternatives closest first, and the first is cheaperModel', () => {
    expect(cheaperModels('openai', 'gpt-4.1')).toEqual([
      { provider: 'openai', model: 'gpt-4.1-mini' },
      { provider: 'openai', model: 'gpt-4.1-nano' },
    ]);
    expect(cheaperModel('anthropic', 'claude-sonnet-4-5')).toEqual({ provider: 'anthropic', model: 'claude-haiku-4-5' });
  });

  it('finds a dated snapshot, another spelling of the provider and another case under the model', () => {
    expect(cheaperModel('openai', 'gpt-4o-2024-08-06')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(cheaperModel('anthropic', 'claude-sonnet-4-5-20250929')).toEqual({ provider: 'anthropic', model: 'claude-haiku-4-5' });
    expect(cheaperModel('vertex_ai', 'Gemini-2.5-Pro')).toEqual({ provider: 'google', model: 'gemini-2.5-flash' });
  });

  it('suggests nothing for a model without a line, the cheapest of a family, or another provider’s model', () => {
    expect(cheaperModels('openai', 'gpt-4.1-nano')).toEqual([]);
    expect(cheaperModels('azure', 'gpt-4o')).toEqual([]);
    expect(cheaperModels('openai', 'constructor')).toEqual([]);
  });
});

describe('modelEquivalence: an organization’s table', () => {
  const organization: ModelEquivalenceTable = {
    'OpenAI/GPT-4o': ['openai/gpt-4.1-nano'],
    'anthropic/claude-sonnet-4-5': [],
    'azure_openai/gpt-4o': ['azure/gpt-4o-mini'],
  };

  it('replaces the lines of its models, removes those it empties, and adds its own', () => {
    const table = modelEquivalence(organization);
    expect(cheaperModels('openai', 'gpt-4o', table)).toEqual([{ provider: 'openai', model: 'gpt-4.1-nano' }]);
    expect(cheaperModels('anthropic', 'claude-sonnet-4-5', table)).toEqual([]);
    expect(cheaperModels('azure', 'gpt-4o', table)).toEqual([{ provider: 'azure', model: 'gpt-4o-mini' }]);
    // untouched lines stay as the repository has them
    expect(cheaperModels('openai', 'gpt-4.1', table)).toEqual(cheaperModels('openai', 'gpt-4.1'));
  });

  it.each([
    ['a key without a provider', { 'gpt-4o': ['openai/gpt-4o-mini'] }, '/gpt-4o'],
    ['a value that is not a list', { 'openai/gpt-4o': 'openai/gpt-4o-mini' }, '/openai~1gpt-4o'],
    ['a value that is not provider/model', { 'openai/gpt-4o': ['gpt-4o-mini'] }, '/openai~1gpt-4o/0'],
    ['a model as its own alternative', { 'openai/gpt-4o': ['OpenAI/gpt-4o'] }, '/openai~1gpt-4o/0'],
    ['an alternative twice', { 'openai/gpt-4o': ['openai/gpt-4o-mini', 'openai/GPT-4o-mini'] }, '/openai~1gpt-4o/1'],
    ['too many alternatives', { 'openai/gpt-4o': Array.from({ length: 11 }, (_, i) => `openai/m${i}`) }, '/openai~1gpt-4o'],
  ])('refuses %s, naming it', (_name, table, field) => {
    const run = (): unknown => modelEquivalence(table as unknown as ModelEquivalenceTable);
    expect(run).toThrow(PricingError);
    expect(run).toThrow(expect.objectContaining({ code: PricingErrorCode.InvalidModelEquivalence, field }));
  });
});
