import {
  ingestionStreams,
  type PriceCatalogRefreshedData,
  type PriceOverrideRemovedData,
  type PriceOverrideSetData,
  type RecordedEvent,
} from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { createPriceCatalog, type PriceCatalog } from '../pricing';
import { evolveOverrides, initialOverridesState, type OverridesState } from '../price-overrides/price-override.decider';
import type { PricingSnapshot } from '../usage/record-pricing';
import { catalogOf, evolveCatalog, initialCatalogState, type CatalogState } from './price-catalog.decider';

const MAX_CACHED_ORGANIZATIONS = 10_000;

interface CachedOverrides {
  state: OverridesState;
  catalog?: PriceCatalog;
  readAt: number;
}

/**
 * The prices this process prices with, read from the event store: the catalog (kept in memory, brought up to
 * date when a refresh is noticed) and each organization's overrides (read again once older than `overridesTtlMs`).
 * A batch priced with prices that changed meanwhile is caught by the projection, which compares revisions.
 */
export class PriceBook {
  private catalogState: CatalogState = initialCatalogState;
  private catalog: PriceCatalog = createPriceCatalog([]);
  private readonly overrides = new Map<string, CachedOverrides>();
  private loading?: Promise<void>;

  constructor(
    private readonly store: EventStore,
    private readonly options: { overridesTtlMs: number },
  ) {}

  get catalogRevision(): number {
    return this.catalogState.revision;
  }

  state(): CatalogState {
    return this.catalogState;
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
    return last !== undefined && last.revision > this.catalogState.revision;
  }

  private applyCatalog(events: RecordedEvent[]): void {
    let state = this.catalogState;
    for (const event of events) {
      if (event.revision <= state.revision) continue;
      state = evolveCatalog(state, { revision: event.revision, data: event.data as PriceCatalogRefreshedData });
    }
    this.setCatalog(state);
  }

  /**
   * The prices for an organization's usage. `minimum` revisions come from the projection: when it has seen a newer
   * catalog or override revision than the cache holds, the cache is read again first.
   */
  async snapshot(organizationId: string, minimum: { catalogRevision?: number; overridesRevision?: number } = {}): Promise<PricingSnapshot> {
    if ((minimum.catalogRevision ?? -1) > this.catalogState.revision) await this.refreshCatalog();
    const overrides = await this.overridesOf(organizationId, minimum.overridesRevision ?? -1);
    return {
      catalog: this.catalog,
      catalogRevision: this.catalogState.revision,
      ...(overrides.catalog ? { overrides: overrides.catalog } : {}),
      overridesRevision: overrides.state.revision,
    };
  }

  async overridesState(organizationId: string): Promise<OverridesState> {
    return (await this.overridesOf(organizationId, -1, true)).state;
  }

  /** Forgets an organization's cached overrides: called after this process changed them. */
  invalidate(organizationId: string): void {
    this.overrides.delete(organizationId);
  }

  private async overridesOf(organizationId: string, minimumRevision: number, fresh = false): Promise<CachedOverrides> {
    const now = Date.now();
    const cached = this.overrides.get(organizationId);
    if (cached && !fresh && cached.state.revision >= minimumRevision && now - cached.readAt < this.options.overridesTtlMs) return cached;
    let state = cached?.state ?? initialOverridesState;
    const events = await this.store.readStream(ingestionStreams.priceOverrides(organizationId), { fromRevision: state.revision + 1 });
    for (const event of events) {
      state = evolveOverrides(
        state,
        event as RecordedEvent<'PriceOverrideSet', PriceOverrideSetData> | RecordedEvent<'PriceOverrideRemoved', PriceOverrideRemovedData>,
      );
    }
    const changed = !cached || state.revision !== cached.state.revision;
    const entries = [...state.overrides.values()];
    const next: CachedOverrides = {
      state,
      catalog: changed ? (entries.length > 0 ? createPriceCatalog(entries) : undefined) : cached.catalog,
      readAt: now,
    };
    // Re-inserted so the map's order is least recently read first, which is what eviction drops.
    this.overrides.delete(organizationId);
    this.overrides.set(organizationId, next);
    if (this.overrides.size > MAX_CACHED_ORGANIZATIONS) this.overrides.delete(this.overrides.keys().next().value as string);
    return next;
  }

  private async readCatalog(): Promise<void> {
    const events = await this.store.readStream(ingestionStreams.priceCatalog, { fromRevision: this.catalogState.revision + 1 });
    if (events.length > 0) this.applyCatalog(events);
  }

  private setCatalog(state: CatalogState): void {
    if (state === this.catalogState) return;
    this.catalog = catalogOf(state);
    this.catalogState = state;
  }
}
