import { type PriceCatalogRefreshedData, IngestionErrorCode } from '@llmlab/contracts';
import { derivedEventId } from '../decided-event';
import { GENAI_PRICES_ATTRIBUTION, resolvePrice, type PriceEntry } from '../pricing';
import {
  catalogOf,
  CATALOG_PART_MAX_ENTRIES,
  decideCatalogRefresh,
  evolveCatalog,
  initialCatalogState,
  type CatalogState,
  type RefreshPriceCatalog,
} from './price-catalog.decider';

const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-03-01T00:00:00.000Z';

const entry = (model: string, overrides: Partial<PriceEntry> = {}): PriceEntry => ({
  id: `genai-prices:openai:${model}@${overrides.effectiveFrom ?? 'origin'}`,
  provider: 'openai',
  model,
  effectiveFrom: null,
  effectiveTo: null,
  currency: 'USD',
  rates: { input: '1', output: '2' },
  ...overrides,
});

const refresh = (entries: PriceEntry[], at: string, refreshId = `refresh-${at}`): RefreshPriceCatalog => ({
  type: 'RefreshPriceCatalog',
  refreshId,
  at: new Date(at),
  source: { kind: 'bundled' },
  attribution: GENAI_PRICES_ATTRIBUTION,
  entries,
  providerFallbacks: { azure: ['openai'] },
});

/** The catalog after a sequence of snapshots, each refreshed at its instant. */
function after(...snapshots: [PriceEntry[], string][]): CatalogState {
  return snapshots.reduce(
    (state, [entries, at]) =>
      apply(
        state,
        decideCatalogRefresh(refresh(entries, at), state).map((e) => e.data),
      ),
    initialCatalogState,
  );
}

function apply(state: CatalogState, events: PriceCatalogRefreshedData[]): CatalogState {
  return events.reduce((s, data) => evolveCatalog(s, { revision: s.revision + 1, data }), state);
}

function changes(state: CatalogState, entries: PriceEntry[], at: string) {
  const [first, ...rest] = decideCatalogRefresh(refresh(entries, at), state).map((e) => e.data);
  return {
    opened: [first, ...rest].flatMap((d) => d.opened.map((e) => [e.id, e.effectiveFrom, e.effectiveTo, e.rates.input])),
    closed: first.closed.map((c) => [c.id, c.effectiveTo, c.previousEffectiveTo]),
    withdrawn: first.withdrawn.map((w) => w.id),
  };
}

const priceAt = (state: CatalogState, model: string, at: string) =>
  resolvePrice(catalogOf(state), { provider: 'openai', model, at: new Date(at) })?.entry.rates.input;

describe('catalog refresh decider', () => {
  it('opens every entry of the first snapshot, in parts, with the dataset order in the first', () => {
    const entries = Array.from({ length: CATALOG_PART_MAX_ENTRIES + 1 }, (_, i) => entry(`m-${i}`));
    const events = decideCatalogRefresh(refresh(entries, T1, 'r-1'), initialCatalogState);
    expect(events.map((e) => [e.id, e.data.part, e.data.parts, e.data.opened.length])).toEqual([
      [derivedEventId('r-1', 'PriceCatalogRefreshed', 0), 0, 2, CATALOG_PART_MAX_ENTRIES],
      [derivedEventId('r-1', 'PriceCatalogRefreshed', 1), 1, 2, 1],
    ]);
    expect(events[0].data.order).toEqual(entries.map((e) => e.id));
    expect(events[1].data.order).toBeUndefined();
    expect(events[0].data.opened[0]).toEqual({ ...entries[0], sourceId: entries[0].id });
    expect(new Set(events.map((e) => e.data.contentHash)).size).toBe(1);
  });

  it('appends nothing for the snapshot already stored', () => {
    const state = after([[entry('a')], T1]);
    expect(decideCatalogRefresh(refresh([entry('a')], T2), state)).toEqual([]);
  });

  it('closes a changed undated price at the refresh instant and opens a new version there', () => {
    const state = after([[entry('a')], T1]);
    expect(changes(state, [entry('a', { rates: { input: '5', output: '2' } })], T2)).toEqual({
      opened: [['genai-prices:openai:a@origin@refresh:2026-03-01T00:00:00.000Z', T2, null, '5']],
      closed: [['genai-prices:openai:a@origin', T2, null]],
      withdrawn: [],
    });
    const next = after([[entry('a')], T1], [[entry('a', { rates: { input: '5', output: '2' } })], T2]);
    expect([priceAt(next, 'a', '2026-02-28T23:59:59.999Z'), priceAt(next, 'a', T2)]).toEqual(['1', '5']);
    // The next refresh compares the data with the latest version, not the first: nothing changed.
    expect(
      decideCatalogRefresh(refresh([entry('a', { rates: { input: '5', output: '2' } }), entry('b')], '2026-04-01T00:00:00Z'), next),
    ).toHaveLength(1);
    expect(changes(next, [entry('a', { rates: { input: '5', output: '2' } }), entry('b')], '2026-04-01T00:00:00Z')).toEqual({
      opened: [['genai-prices:openai:b@origin', null, null, '1']],
      closed: [],
      withdrawn: [],
    });
  });

  it('opens new models, and closes those gone from the data', () => {
    const state = after([[entry('a'), entry('b')], T1]);
    expect(changes(state, [entry('a'), entry('c')], T2)).toEqual({
      opened: [['genai-prices:openai:c@origin', null, null, '1']],
      closed: [['genai-prices:openai:b@origin', T2, null]],
      withdrawn: [],
    });
  });

  it('takes a dated change from the data as it is, even in the past', () => {
    const D = '2025-12-01T00:00:00.000Z';
    const state = after([[entry('a')], T1]);
    const dated = [entry('a', { effectiveTo: D }), entry('a', { effectiveFrom: D, rates: { input: '3', output: '2' } })];
    expect(changes(state, dated, T2)).toEqual({
      opened: [[`genai-prices:openai:a@${D}`, D, null, '3']],
      closed: [['genai-prices:openai:a@origin', D, null]],
      withdrawn: [],
    });
    const next = after([[entry('a')], T1], [dated, T2]);
    expect([priceAt(next, 'a', '2025-11-30T23:59:59Z'), priceAt(next, 'a', D)]).toEqual(['1', '3']);
  });

  it('replaces a dated period whose price the data corrected', () => {
    const D = '2025-12-01T00:00:00.000Z';
    const dated = [entry('a', { effectiveTo: D }), entry('a', { effectiveFrom: D, rates: { input: '3', output: '2' } })];
    const state = after([dated, T1]);
    const corrected = [dated[0], entry('a', { effectiveFrom: D, rates: { input: '4', output: '2' } })];
    expect(changes(state, corrected, T2)).toEqual({
      opened: [[`genai-prices:openai:a@${D}@refresh:${T2}`, D, null, '4']],
      closed: [],
      withdrawn: [`genai-prices:openai:a@${D}`],
    });
  });

  it('ends stored versions where a back-dated change now starts', () => {
    const D = '2025-12-01T00:00:00.000Z';
    // Changed without a date at T1 (version from T1), then the data dates a change before T1.
    const state = after([[entry('a')], '2025-11-01T00:00:00.000Z'], [[entry('a', { rates: { input: '2', output: '2' } })], T1]);
    const backDated = [
      entry('a', { effectiveTo: D, rates: { input: '2', output: '2' } }),
      entry('a', { effectiveFrom: D, rates: { input: '3', output: '2' } }),
    ];
    const result = changes(state, backDated, T2);
    expect(result.withdrawn).toEqual([`genai-prices:openai:a@origin@refresh:${T1}`]);
    expect(result.opened).toEqual([[`genai-prices:openai:a@${D}`, D, null, '3']]);
    expect(result.closed).toEqual([['genai-prices:openai:a@origin', D, T1]]);
    const next = apply(
      state,
      decideCatalogRefresh(refresh(backDated, T2), state).map((e) => e.data),
    );
    expect([priceAt(next, 'a', '2025-11-15T00:00:00Z'), priceAt(next, 'a', '2026-02-01T00:00:00Z')]).toEqual(['1', '3']);
  });

  it('refuses data that would leave two prices of a model at one instant, changing nothing', () => {
    const state = after([[entry('a')], T1]);
    const ambiguous = [entry('a'), { ...entry('a'), id: 'genai-prices:openai:a@copy' }];
    expect(() => decideCatalogRefresh(refresh(ambiguous, T2), state)).toThrow(
      expect.objectContaining({ code: IngestionErrorCode.PricingRefreshConflict }),
    );
  });

  it('builds the catalog in the dataset order, so the first matching pattern wins', () => {
    const general = entry('gpt-5', { patterns: [{ kind: 'prefix', value: 'gpt-5' }], rates: { input: '10', output: '1' } });
    const specific = entry('gpt-5-mini', { patterns: [{ kind: 'prefix', value: 'gpt-5-mini' }], rates: { input: '1', output: '1' } });
    // The specific model arrives later but comes first in the data.
    const state = after([[general], T1], [[specific, general], T2]);
    expect(priceAt(state, 'gpt-5-mini-2026-01-01', '2026-03-02T00:00:00Z')).toBe('1');
  });
});
