import type { PriceCatalogRefreshedData, PriceOverrideRemovedData, PriceOverrideSetData } from '@llmlab/contracts';
import { normalizeProvider } from '@llmlab/pricing';

export type RepriceStatus = 'priced' | 'unpriced';

/**
 * A set of records a price change may affect: by provider, timestamp range `[from, to)` and cost status, and
 * optionally by organization and by the price entry that priced them. A superset is harmless (every record is
 * re-resolved and only a different result is corrected); a record outside it is never looked at.
 */
export interface RepriceScope {
  organizationId: string | null;
  providers: string[];
  from: string | null;
  to: string | null;
  statuses: RepriceStatus[];
  priceEntryIds: string[] | null;
}

/**
 * What a catalog refresh can change:
 * - an opened entry with no start date prices the model "since always": its provider's `unpriced` records;
 * - an opened entry with a start date (a dated period, or a new version at the refresh instant): every record of
 *   its provider in its period, priced or not (a past-dated price reprices what it covers);
 * - an entry whose end moved: the records between the old and the new end;
 * - a withdrawn entry: the records it priced.
 * Providers that fall back to the entry's provider (Azure to OpenAI) are included: their records use its prices.
 */
export function catalogRepriceScopes(change: PriceCatalogRefreshedData): RepriceScope[] {
  const users = (provider: string): string[] => {
    const id = normalizeProvider(provider);
    const fallbackUsers = Object.entries(change.providerFallbacks)
      .filter(([, targets]) => targets.map(normalizeProvider).includes(id))
      .map(([user]) => normalizeProvider(user));
    return [id, ...fallbackUsers];
  };
  const scopes: RepriceScope[] = [];
  for (const entry of change.opened) {
    const statuses: RepriceStatus[] = entry.effectiveFrom === null ? ['unpriced'] : ['unpriced', 'priced'];
    scopes.push({
      organizationId: null,
      providers: users(entry.provider),
      from: entry.effectiveFrom,
      to: entry.effectiveTo,
      statuses,
      priceEntryIds: null,
    });
  }
  for (const entry of change.closed) {
    const [from, to] = [entry.effectiveTo, entry.previousEffectiveTo].sort(byInstant);
    scopes.push({
      organizationId: null,
      providers: users(entry.provider),
      from,
      to,
      statuses: ['unpriced', 'priced'],
      priceEntryIds: null,
    });
  }
  for (const entry of change.withdrawn) {
    scopes.push({
      organizationId: null,
      providers: users(entry.provider),
      from: entry.effectiveFrom,
      to: entry.effectiveTo,
      statuses: ['priced'],
      priceEntryIds: [entry.id],
    });
  }
  return mergeScopes(scopes);
}

/**
 * An organization's new price reprices all its records of that provider in the price's period, priced or not: the
 * organization is saying what it actually pays. A removed price reprices the records it priced. Overrides never
 * apply through provider fallbacks, so neither do these scopes.
 */
export function overrideRepriceScopes(
  event: { type: 'PriceOverrideSet'; data: PriceOverrideSetData } | { type: 'PriceOverrideRemoved'; data: PriceOverrideRemovedData },
): RepriceScope[] {
  const { override } = event.data;
  const base = {
    organizationId: event.data.organizationId,
    providers: [normalizeProvider(override.provider)],
    from: override.effectiveFrom,
    to: override.effectiveTo,
  };
  return event.type === 'PriceOverrideSet'
    ? [{ ...base, statuses: ['unpriced', 'priced'], priceEntryIds: null }]
    : [{ ...base, statuses: ['priced'], priceEntryIds: [override.id] }];
}

/** One scope per provider and kind, spanning the union of their periods: fewer, larger scans. */
export function mergeScopes(scopes: readonly RepriceScope[]): RepriceScope[] {
  const merged = new Map<string, RepriceScope>();
  for (const scope of scopes) {
    for (const provider of scope.providers) {
      const key = [scope.organizationId, provider, [...scope.statuses].sort().join(','), scope.priceEntryIds ? 'ids' : 'all'].join('|');
      const known = merged.get(key);
      if (!known) {
        merged.set(key, {
          ...scope,
          providers: [provider],
          statuses: [...scope.statuses].sort(),
          priceEntryIds: scope.priceEntryIds && [...scope.priceEntryIds],
        });
        continue;
      }
      known.from = known.from === null || scope.from === null ? null : [known.from, scope.from].sort(byInstant)[0];
      known.to = known.to === null || scope.to === null ? null : [known.to, scope.to].sort(byInstant)[1];
      if (known.priceEntryIds && scope.priceEntryIds) {
        known.priceEntryIds = [...new Set([...known.priceEntryIds, ...scope.priceEntryIds])];
      }
    }
  }
  return [...merged.values()];
}

function byInstant(a: string | null, b: string | null): number {
  const at = (v: string | null) => (v === null ? Infinity : Date.parse(v));
  return at(a) - at(b);
}
