import type { PriceCatalogRefreshedData, PriceOverrideData, RecordCostData } from '@llmlab/contracts';
import { GENAI_PRICES_ATTRIBUTION } from '../pricing';
import {
  catalogRepriceScopes,
  decideCorrections,
  decideRepricing,
  mergeScopes,
  overrideRepriceScopes,
  type RecordToReprice,
} from './repricing.decider';

const ORG = '0197a1c2-0000-7000-8000-000000000001';

const change = (overrides: Partial<PriceCatalogRefreshedData>): PriceCatalogRefreshedData => ({
  refreshId: 'r-1',
  part: 0,
  parts: 1,
  refreshedAt: '2026-03-01T00:00:00.000Z',
  source: { kind: 'bundled' },
  attribution: GENAI_PRICES_ATTRIBUTION,
  contentHash: 'h',
  providerFallbacks: { azure: ['openai', 'anthropic'], google: ['anthropic'] },
  opened: [],
  closed: [],
  withdrawn: [],
  ...overrides,
});

const catalogEntry = (provider: string, effectiveFrom: string | null, effectiveTo: string | null = null) => ({
  id: `genai-prices:${provider}:m@${effectiveFrom ?? 'origin'}`,
  sourceId: `genai-prices:${provider}:m@${effectiveFrom ?? 'origin'}`,
  provider,
  model: 'm',
  effectiveFrom,
  effectiveTo,
  currency: 'USD' as const,
  rates: { input: '1', output: '1' },
});

const override: PriceOverrideData = {
  id: 'o-1',
  organizationId: ORG,
  provider: 'openai',
  model: 'gpt-4o',
  effectiveFrom: '2026-01-01T00:00:00.000Z',
  effectiveTo: null,
  currency: 'USD',
  rates: { input: '1', output: '1' },
  createdAt: '2026-03-01T00:00:00.000Z',
  createdBy: 'user:u',
};

describe('repricing scopes', () => {
  it('reprices unpriced records for a price since always, every record for a dated one, through fallbacks', () => {
    const scopes = catalogRepriceScopes(
      change({ opened: [catalogEntry('anthropic', null), catalogEntry('openai', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z')] }),
    );
    expect(scopes.map((s) => [s.providers[0], s.from, s.to, s.statuses.join('+'), s.organizationId, s.priceEntryIds])).toEqual([
      ['anthropic', null, null, 'unpriced', null, null],
      ['azure', null, null, 'unpriced', null, null],
      ['google', null, null, 'unpriced', null, null],
      ['openai', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', 'priced+unpriced', null, null],
      ['azure', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', 'priced+unpriced', null, null],
    ]);
  });

  it('reprices between the old and the new end of a moved entry, and what a withdrawn entry priced', () => {
    const scopes = catalogRepriceScopes(
      change({
        closed: [{ id: 'c', provider: 'mistral', effectiveTo: '2026-03-01T00:00:00.000Z', previousEffectiveTo: null }],
        withdrawn: [{ id: 'w', provider: 'mistral', effectiveFrom: '2026-04-01T00:00:00.000Z', effectiveTo: null }],
      }),
    );
    expect(scopes).toEqual([
      {
        organizationId: null,
        providers: ['mistral'],
        from: '2026-03-01T00:00:00.000Z',
        to: null,
        statuses: ['priced', 'unpriced'],
        priceEntryIds: null,
      },
      {
        organizationId: null,
        providers: ['mistral'],
        from: '2026-04-01T00:00:00.000Z',
        to: null,
        statuses: ['priced'],
        priceEntryIds: ['w'],
      },
    ]);
  });

  it('merges scopes of one provider and kind into the span of their periods', () => {
    const merged = mergeScopes([
      {
        organizationId: null,
        providers: ['openai'],
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
        statuses: ['unpriced', 'priced'],
        priceEntryIds: null,
      },
      {
        organizationId: null,
        providers: ['openai'],
        from: '2025-06-01T00:00:00Z',
        to: '2025-07-01T00:00:00Z',
        statuses: ['priced', 'unpriced'],
        priceEntryIds: null,
      },
      { organizationId: null, providers: ['openai'], from: null, to: '2025-01-01T00:00:00Z', statuses: ['priced'], priceEntryIds: ['a'] },
      { organizationId: null, providers: ['openai'], from: '2025-03-01T00:00:00Z', to: null, statuses: ['priced'], priceEntryIds: ['b'] },
    ]);
    expect(merged).toEqual([
      {
        organizationId: null,
        providers: ['openai'],
        from: '2025-06-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
        statuses: ['priced', 'unpriced'],
        priceEntryIds: null,
      },
      { organizationId: null, providers: ['openai'], from: null, to: null, statuses: ['priced'], priceEntryIds: ['a', 'b'] },
    ]);
  });

  it("limits an override's scope to its organization, its provider and its period", () => {
    expect(overrideRepriceScopes({ type: 'PriceOverrideSet', data: { organizationId: ORG, override } })).toEqual([
      {
        organizationId: ORG,
        providers: ['openai'],
        from: '2026-01-01T00:00:00.000Z',
        to: null,
        statuses: ['unpriced', 'priced'],
        priceEntryIds: null,
      },
    ]);
    const removed = { organizationId: ORG, overrideId: 'o-1', override, removedAt: '2026-03-02T00:00:00.000Z' };
    expect(overrideRepriceScopes({ type: 'PriceOverrideRemoved', data: removed })).toEqual([
      {
        organizationId: ORG,
        providers: ['openai'],
        from: '2026-01-01T00:00:00.000Z',
        to: null,
        statuses: ['priced'],
        priceEntryIds: ['o-1'],
      },
    ]);
  });
});

describe('corrections', () => {
  const unpriced: RecordCostData = { status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null };
  const priced = (amount: string, priceEntryId = 'e-1'): RecordCostData => ({
    status: 'priced',
    amount,
    currency: 'USD',
    priceEntryId,
    priceOrigin: 'catalog',
  });
  const record = (eventId: string, projectId: string, cost: RecordCostData): RecordToReprice => ({
    organizationId: ORG,
    projectId,
    eventId,
    timestamp: '2026-02-01T00:00:00.000Z',
    provider: 'openai',
    model: 'm',
    usage: { inputTokens: 1, outputTokens: 1 },
    cost,
  });

  it('corrects only what would now differ, never an explicit cost, grouped by project', () => {
    const explicit: RecordCostData = {
      status: 'override',
      amount: '1.000000000000',
      currency: 'USD',
      priceEntryId: null,
      priceOrigin: null,
    };
    const groups = decideCorrections(
      [
        record('a', 'p1', unpriced),
        record('b', 'p1', priced('0.000002000000')),
        record('c', 'p2', priced('0.000001000000')),
        record('d', 'p1', explicit),
      ],
      () => priced('0.000002000000'),
    );
    expect(groups).toEqual([
      {
        organizationId: ORG,
        projectId: 'p1',
        corrections: [{ eventId: 'a', timestamp: '2026-02-01T00:00:00.000Z', previous: unpriced, current: priced('0.000002000000') }],
      },
      {
        organizationId: ORG,
        projectId: 'p2',
        corrections: [
          { eventId: 'c', timestamp: '2026-02-01T00:00:00.000Z', previous: priced('0.000001000000'), current: priced('0.000002000000') },
        ],
      },
    ]);
  });

  it('gives the same corrections the same event id, so a run done twice appends once', () => {
    const [group] = decideCorrections([record('a', 'p1', unpriced)], () => priced('0.1'));
    const reason = { kind: 'price-change' as const, pricingEventId: 'ev-1' };
    expect(decideRepricing(group, reason).id).toBe(decideRepricing(structuredClone(group), reason).id);
    const [other] = decideCorrections([record('a', 'p1', unpriced)], () => priced('0.2'));
    expect(decideRepricing(other, reason).id).not.toBe(decideRepricing(group, reason).id);
    expect(decideRepricing(group, reason)).toMatchObject({ type: 'UsageRepriced', data: { organizationId: ORG, projectId: 'p1', reason } });
  });
});
