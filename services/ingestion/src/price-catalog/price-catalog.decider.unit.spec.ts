import { type CatalogEntryData, type PriceCatalogRefreshedData, IngestionErrorCode } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { derivedEventId } from '../derived-event-id';
import { GENAI_PRICES_ATTRIBUTION, resolvePrice, type PriceEntry } from '@llmlab/pricing';
import { catalogContentHash } from './catalog-content-hash';
import {
  catalogOf,
  catalogPartCount,
  CATALOG_PART_MAX_ENTRIES,
  priceCatalogDecider,
  type CatalogState,
  type PriceCatalogEvent,
  type RefreshPriceCatalog,
} from './price-catalog.decider';

const spec = deciderSpec(priceCatalogDecider);

const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-03-01T00:00:00.000Z';
const FALLBACKS = { azure: ['openai'] };

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

/** A refresh as the handler makes it: the content hash and the part ids computed outside the decider. */
const refresh = (entries: PriceEntry[], at: string, refreshId = `refresh-${at}`): RefreshPriceCatalog => ({
  type: 'RefreshPriceCatalog',
  refreshId,
  at: new Date(at),
  source: { kind: 'bundled' },
  attribution: GENAI_PRICES_ATTRIBUTION,
  entries,
  providerFallbacks: FALLBACKS,
  contentHash: catalogContentHash(entries, FALLBACKS),
  eventIds: Array.from({ length: catalogPartCount(entries.length) }, (_, part) => derivedEventId(refreshId, 'PriceCatalogRefreshed', part)),
});

/** The event of a one-part refresh that made these changes. */
const refreshed = (
  command: RefreshPriceCatalog,
  changes: Pick<PriceCatalogRefreshedData, 'opened' | 'closed' | 'withdrawn'>,
): PriceCatalogEvent => ({
  id: command.eventIds[0],
  type: 'PriceCatalogRefreshed',
  data: {
    refreshId: command.refreshId,
    part: 0,
    parts: 1,
    refreshedAt: command.at.toISOString(),
    source: command.source,
    attribution: command.attribution,
    contentHash: command.contentHash,
    providerFallbacks: command.providerFallbacks,
    order: command.entries.map((e) => e.id),
    ...changes,
  },
});

/** An entry of the data as the catalog opens it: under its source id, unless it is a new version of it. */
const opened = (seeded: PriceEntry, overrides: Partial<CatalogEntryData> = {}): CatalogEntryData => ({
  ...seeded,
  sourceId: seeded.id,
  ...overrides,
});

const stateOf = (events: PriceCatalogEvent[]): CatalogState =>
  events.reduce(priceCatalogDecider.evolve, priceCatalogDecider.initialState());

/** The catalog stream after a sequence of snapshots, each refreshed at its instant. */
function history(...snapshots: [PriceEntry[], string][]): PriceCatalogEvent[] {
  return snapshots.reduce<PriceCatalogEvent[]>(
    (events, [entries, at]) => [...events, ...priceCatalogDecider.decide(refresh(entries, at), stateOf(events))],
    [],
  );
}

const priceAt = (events: PriceCatalogEvent[], model: string, at: string) =>
  resolvePrice(catalogOf(stateOf(events)), { provider: 'openai', model, at: new Date(at) })?.entry.rates.input;

describe('price catalog decider', () => {
  it('opens every entry of the first snapshot, in parts named by the command, with the dataset order in the first', () => {
    const entries = Array.from({ length: CATALOG_PART_MAX_ENTRIES + 1 }, (_, i) => entry(`m-${i}`));
    const command = refresh(entries, T1, 'r-1');
    const data = {
      refreshId: 'r-1',
      parts: 2,
      refreshedAt: T1,
      source: { kind: 'bundled' as const },
      attribution: GENAI_PRICES_ATTRIBUTION,
      contentHash: command.contentHash,
      providerFallbacks: FALLBACKS,
      closed: [],
      withdrawn: [],
    };
    spec
      .given([])
      .when(command)
      .then([
        {
          id: derivedEventId('r-1', 'PriceCatalogRefreshed', 0),
          type: 'PriceCatalogRefreshed',
          data: {
            ...data,
            part: 0,
            order: entries.map((e) => e.id),
            opened: entries.slice(0, CATALOG_PART_MAX_ENTRIES).map((e) => opened(e)),
          },
        },
        {
          id: derivedEventId('r-1', 'PriceCatalogRefreshed', 1),
          type: 'PriceCatalogRefreshed',
          data: { ...data, part: 1, opened: [opened(entries[CATALOG_PART_MAX_ENTRIES])] },
        },
      ]);
  });

  it('appends nothing for the snapshot already stored', () => {
    spec
      .given(history([[entry('a')], T1]))
      .when(refresh([entry('a')], T2))
      .thenNothing();
  });

  it('closes a changed undated price at the refresh instant and opens a new version there', () => {
    const stored = history([[entry('a')], T1]);
    const changed = entry('a', { rates: { input: '5', output: '2' } });
    const command = refresh([changed], T2);
    const event = refreshed(command, {
      opened: [opened(changed, { id: 'genai-prices:openai:a@origin@refresh:2026-03-01T00:00:00.000Z', effectiveFrom: T2 })],
      closed: [{ id: 'genai-prices:openai:a@origin', provider: 'openai', effectiveTo: T2, previousEffectiveTo: null }],
      withdrawn: [],
    });
    spec.given(stored).when(command).then([event]);
    expect([priceAt([...stored, event], 'a', '2026-02-28T23:59:59.999Z'), priceAt([...stored, event], 'a', T2)]).toEqual(['1', '5']);

    // The next refresh compares the data with the latest version, not the first: only the new model changed.
    const next = refresh([changed, entry('b')], '2026-04-01T00:00:00.000Z');
    spec
      .given([...stored, event])
      .when(next)
      .then([refreshed(next, { opened: [opened(entry('b'))], closed: [], withdrawn: [] })]);
  });

  it('opens new models, and closes those gone from the data', () => {
    const command = refresh([entry('a'), entry('c')], T2);
    spec
      .given(history([[entry('a'), entry('b')], T1]))
      .when(command)
      .then([
        refreshed(command, {
          opened: [opened(entry('c'))],
          closed: [{ id: 'genai-prices:openai:b@origin', provider: 'openai', effectiveTo: T2, previousEffectiveTo: null }],
          withdrawn: [],
        }),
      ]);
  });

  it('takes a dated change from the data as it is, even in the past', () => {
    const D = '2025-12-01T00:00:00.000Z';
    const stored = history([[entry('a')], T1]);
    const dated = [entry('a', { effectiveTo: D }), entry('a', { effectiveFrom: D, rates: { input: '3', output: '2' } })];
    const command = refresh(dated, T2);
    const event = refreshed(command, {
      opened: [opened(dated[1])],
      closed: [{ id: 'genai-prices:openai:a@origin', provider: 'openai', effectiveTo: D, previousEffectiveTo: null }],
      withdrawn: [],
    });
    spec.given(stored).when(command).then([event]);
    expect(dated[1].id).toBe(`genai-prices:openai:a@${D}`);
    expect([priceAt([...stored, event], 'a', '2025-11-30T23:59:59Z'), priceAt([...stored, event], 'a', D)]).toEqual(['1', '3']);
  });

  it('replaces a dated period whose price the data corrected', () => {
    const D = '2025-12-01T00:00:00.000Z';
    const dated = [entry('a', { effectiveTo: D }), entry('a', { effectiveFrom: D, rates: { input: '3', output: '2' } })];
    const corrected = [dated[0], entry('a', { effectiveFrom: D, rates: { input: '4', output: '2' } })];
    const command = refresh(corrected, T2);
    spec
      .given(history([dated, T1]))
      .when(command)
      .then([
        refreshed(command, {
          opened: [opened(corrected[1], { id: `genai-prices:openai:a@${D}@refresh:${T2}` })],
          closed: [],
          withdrawn: [{ id: `genai-prices:openai:a@${D}`, provider: 'openai', effectiveFrom: D, effectiveTo: null }],
        }),
      ]);
  });

  it('ends stored versions where a back-dated change now starts', () => {
    const D = '2025-12-01T00:00:00.000Z';
    // Changed without a date at T1 (version from T1), then the data dates a change before T1.
    const stored = history([[entry('a')], '2025-11-01T00:00:00.000Z'], [[entry('a', { rates: { input: '2', output: '2' } })], T1]);
    const backDated = [
      entry('a', { effectiveTo: D, rates: { input: '2', output: '2' } }),
      entry('a', { effectiveFrom: D, rates: { input: '3', output: '2' } }),
    ];
    const command = refresh(backDated, T2);
    const event = refreshed(command, {
      opened: [opened(backDated[1])],
      closed: [{ id: 'genai-prices:openai:a@origin', provider: 'openai', effectiveTo: D, previousEffectiveTo: T1 }],
      withdrawn: [{ id: `genai-prices:openai:a@origin@refresh:${T1}`, provider: 'openai', effectiveFrom: T1, effectiveTo: null }],
    });
    spec.given(stored).when(command).then([event]);
    expect([priceAt([...stored, event], 'a', '2025-11-15T00:00:00Z'), priceAt([...stored, event], 'a', '2026-02-01T00:00:00Z')]).toEqual([
      '1',
      '3',
    ]);
  });

  it('refuses data that would leave two prices of a model at one instant, changing nothing', () => {
    const ambiguous = [entry('a'), { ...entry('a'), id: 'genai-prices:openai:a@copy' }];
    spec
      .given(history([[entry('a')], T1]))
      .when(refresh(ambiguous, T2))
      .thenThrows({ code: IngestionErrorCode.PricingRefreshConflict });
  });

  it('builds the catalog in the dataset order, so the first matching pattern wins', () => {
    const general = entry('gpt-5', { patterns: [{ kind: 'prefix', value: 'gpt-5' }], rates: { input: '10', output: '1' } });
    const specific = entry('gpt-5-mini', { patterns: [{ kind: 'prefix', value: 'gpt-5-mini' }], rates: { input: '1', output: '1' } });
    // The specific model arrives later but comes first in the data.
    const events = history([[general], T1], [[specific, general], T2]);
    expect(priceAt(events, 'gpt-5-mini-2026-01-01', '2026-03-02T00:00:00Z')).toBe('1');
  });
});
