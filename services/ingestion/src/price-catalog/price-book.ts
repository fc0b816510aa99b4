import { ingestionStreams, type RecordedEvent } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import { createPriceCatalog, type PriceCatalog } from '@llmlab/pricing';
import { priceOverrideDecider, type OverridesState, type PriceOverrideEvent } from '../price-overrides/price-override.decider';
import type { PricingSnapshot } from '../usage/record-pricing';
import { catalogOf, priceCatalogDecider, type CatalogState, type PriceCatalogEvent } from './price-catalog.decider';

const MAX_CACHED_ORGANIZATIONS = 10_000;

interface CachedOverrides {
  state: OverridesState;
  /** Revision of the organization's stream the state was folded up to; -1 when it never set a price. */
  revision: number;
  catalog?: PriceCatalog;
  readAt: number;
}

/**
 * The prices this process prices with, folded from the event store with the deciders' own `evolve`: the catalog
 * (kept in memory, brought up to date when a refresh is noticed) and each organization's overrides (read again
 * once older than `overridesTtlMs`). A batch priced with prices that changed meanwhile is caught by the projection,
 * which compares revisions.
 */
export class PriceBook {
  private catalogState: CatalogState = priceCatalogDecider.initialState();
  /** Revision of the catalog stream folded so far; -1 before the first refresh. */
  private catalogStreamRevision = -1;
  private catalog: PriceCatalog = createPriceCatalog([]);
  private readonly overrides = new Map<string, CachedOverrides>();
  private loading?: Promise<void>;

  constructor(
    private readonly store: EventStore,
    private readonly options: { overridesTtlMs: number },
  ) {}

  get catalogRevision(): number {
    return this.catalogStreamRevision;
  }

  /**
   * Reads the catalog events appended since the last read. Reads run one after the other, so a caller that just
   * appended never gets the answer of a read that started before its append.
   */
  async refreshCatalog(): Promise<void> {
    const read = (this.loading ?? Promise.resolve()).catch(() => undefined).then(() => this.readCatalog());
    this.loading = read;
    await read;
  }

  /** Whether the catalog stream moved past what this process holds (another replica refreshed it). */
  async catalogChanged(): Promise<boolean> {
    const [last] = await this.store.readStream(ingestionStreams.priceCatalog, { direction: 'backwards', maxCount: 1 });
    return last !== undefined && last.revision > this.catalogStreamRevision;
  }

  /**
   * The prices for an organization's usage. `minimum` revisions come from the projection: when it has seen a newer
   * catalog or override revision than the cache holds, the cache is read again first.
   */
  async snapshot(
    scope: OrganizationScope,
    minimum: { catalogRevision?: number; overridesRevision?: number } = {},
  ): Promise<PricingSnapshot> {
    if ((minimum.catalogRevision ?? -1) > this.catalogStreamRevision) await this.refreshCatalog();
    const overrides = await this.overridesOf(scope, minimum.overridesRevision ?? -1);
    return {
      catalog: this.catalog,
      catalogRevision: this.catalogStreamRevision,
      ...(overrides.catalog ? { overrides: overrides.catalog } : {}),
      overridesRevision: overrides.revision,
    };
  }

  /** The organization's prices as its stream has them now (not from the cache: a create is visible at once). */
  async overridesState(scope: OrganizationScope): Promise<OverridesState> {
    return (await this.overridesOf(scope, -1, true)).state;
  }

  /** Forgets an organization's cached overrides: called after this process changed them. */
  invalidate(scope: OrganizationScope): void {
    this.overrides.delete(scope.organizationId);
  }

  private async overridesOf(scope: OrganizationScope, minimumRevision: number, fresh = false): Promise<CachedOverrides> {
    const { organizationId } = scope;
    const now = Date.now();
    const cached = this.overrides.get(organizationId);
    if (cached && !fresh && cached.revision >= minimumRevision && now - cached.readAt < this.options.overridesTtlMs) return cached;
    let state = cached?.state ?? priceOverrideDecider.initialState();
    let revision = cached?.revision ?? -1;
    const events = await this.store.readStream(ingestionStreams.priceOverrides(organizationId), { fromRevision: revision + 1 });
    for (const event of events) {
      state = priceOverrideDecider.evolve(state, event as RecordedEvent & PriceOverrideEvent);
      revision = event.revision;
    }
    const changed = !cached || revision !== cached.revision;
    const entries = [...state.overrides.values()];
    const next: CachedOverrides = {
      state,
      revision,
      catalog: changed
        ? entries.length > 0
          ? createPriceCatalog(entries, { unsupportedRegex: 'never-match' })
          : undefined
        : cached.catalog,
      readAt: now,
    };
    // Re-inserted so the map's order is least recently read first, which is what eviction drops.
    this.overrides.delete(organizationId);
    this.overrides.set(organizationId, next);
    if (this.overrides.size > MAX_CACHED_ORGANIZATIONS) this.overrides.delete(this.overrides.keys().next().value as string);
    return next;
  }

  private async readCatalog(): Promise<void> {
    const events = await this.store.readStream(ingestionStreams.priceCatalog, { fromRevision: this.catalogStreamRevision + 1 });
    let state = this.catalogState;
    let revision = this.catalogStreamRevision;
    for (const event of events) {
      if (event.revision <= revision) continue;
      state = priceCatalogDecider.evolve(state, event as RecordedEvent & PriceCatalogEvent);
      revision = event.revision;
    }
    if (revision === this.catalogStreamRevision) return;
    this.catalog = catalogOf(state);
    this.catalogState = state;
    this.catalogStreamRevision = revision;
  }
}
