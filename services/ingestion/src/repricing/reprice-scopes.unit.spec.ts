import type { PriceCatalogRefreshedData, PriceOverrideData } from '@llmlab/contracts';
import { GENAI_PRICES_ATTRIBUTION } from '@llmlab/pricing';
import { catalogRepriceScopes, mergeScopes, overrideRepriceScopes } from './reprice-scopes';

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
