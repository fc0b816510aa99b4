import { type CatalogEntryData, type PriceCatalogRefreshedData, type PriceDataAttribution, IngestionErrorCode } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { IngestionError } from '../ingestion.errors';
import { createPriceCatalog, normalizeModelId, normalizeProvider, PricingError, type PriceCatalog, type PriceEntry } from '@llmlab/pricing';
import { stableJson } from './stable-json';

/**
 * The price catalog as its event stream (`ingestion.price-catalog-genai-prices`) describes it: every entry ever
 * opened and not withdrawn, closed periods included, so a usage event of any date is priced with the price that
 * was in force then.
 */
export interface CatalogState {
  readonly entries: ReadonlyMap<string, CatalogEntryData>;
  /** Source ids in the dataset's order, which decides between two models whose patterns both match. */
  readonly order: readonly string[];
  /** Of the data last refreshed from; null before the first refresh. */
  readonly contentHash: string | null;
  readonly providerFallbacks: Readonly<Record<string, readonly string[]>>;
}

/**
 * Merge a snapshot of the genai-prices data into the catalog. The handler computes what is not a decision: the
 * data's content hash (`catalogContentHash`), and the ids of the events, derived from the refresh id and the part
 * (`catalogPartCount(entries.length)` of them, the most the entries can fill).
 */
export interface RefreshPriceCatalog {
  type: 'RefreshPriceCatalog';
  refreshId: string;
  /** The refresh instant: where a changed undated price closes and its new version opens. */
  at: Date;
  source: PriceCatalogRefreshedData['source'];
  attribution: PriceDataAttribution;
  /** The dataset as `seedFromGenaiPrices` converted it: ids are stable source ids. */
  entries: readonly PriceEntry[];
  providerFallbacks: Readonly<Record<string, readonly string[]>>;
  contentHash: string;
  eventIds: readonly string[];
}

export type PriceCatalogCommand = RefreshPriceCatalog;

export interface PriceCatalogRefreshed {
  id: string;
  type: 'PriceCatalogRefreshed';
  data: PriceCatalogRefreshedData;
}

export type PriceCatalogEvent = PriceCatalogRefreshed;

/** Opened entries per event: a refresh of the whole dataset stays in a handful of events well under 1 MiB each. */
export const CATALOG_PART_MAX_ENTRIES = 400;

/** The most parts a refresh of `entries` entries can take: it opens at most one entry per entry of the data. */
export function catalogPartCount(entries: number): number {
  return Math.max(1, Math.ceil(entries / CATALOG_PART_MAX_ENTRIES));
}

const initialState = (): CatalogState => ({ entries: new Map(), order: [], contentHash: null, providerFallbacks: {} });

function evolve(state: CatalogState, event: PriceCatalogEvent): CatalogState {
  switch (event.type) {
    case 'PriceCatalogRefreshed': {
      const { data } = event;
      const entries = new Map(state.entries);
      for (const gone of data.withdrawn) entries.delete(gone.id);
      for (const change of data.closed) {
        const entry = entries.get(change.id);
        if (entry) entries.set(change.id, { ...entry, effectiveTo: change.effectiveTo });
      }
      for (const entry of data.opened) entries.set(entry.id, entry);
      return { entries, order: data.order ?? state.order, contentHash: data.contentHash, providerFallbacks: data.providerFallbacks };
    }
    default:
      return assertUnreachable(event.type);
  }
}

function decide(command: PriceCatalogCommand, state: CatalogState): PriceCatalogEvent[] {
  switch (command.type) {
    case 'RefreshPriceCatalog':
      return decideRefresh(command, state);
    default:
      return assertUnreachable(command.type);
  }
}

/** The catalog stream: refreshes from the genai-prices data, which open, close and withdraw entries. */
export const priceCatalogDecider: Decider<PriceCatalogCommand, PriceCatalogEvent, CatalogState> = { decide, evolve, initialState };

/**
 * Merges a snapshot of the dataset into the stored catalog, never editing a stored price:
 * - an entry the catalog does not have is opened as the data says (a dated one may start in the past: the
 *   repricer then reprices what it covers);
 * - an undated price that changed has no date in the data, so the stored entry closes at the refresh instant and
 *   a new version opens there: events already priced keep their price;
 * - a dated period whose price changed is the data correcting itself: its stored versions are withdrawn and the
 *   new one opens over the same period;
 * - an entry gone from the data closes at the refresh instant (or is withdrawn if it had not started);
 * - a stored entry overlapping a newly opened one of the same model ends where the new one starts.
 * Returns no event when the snapshot is the one stored. A result that would still be ambiguous (two prices of a
 * model at one instant) is refused, not guessed.
 */
function decideRefresh(command: RefreshPriceCatalog, state: CatalogState): PriceCatalogEvent[] {
  const { contentHash } = command;
  if (contentHash === state.contentHash) return [];
  const at = command.at.toISOString();
  const plan = new CatalogPlan(state.entries);

  const versionsBySource = new Map<string, CatalogEntryData[]>();
  for (const entry of state.entries.values()) {
    const list = versionsBySource.get(entry.sourceId) ?? [];
    list.push(entry);
    versionsBySource.set(entry.sourceId, list);
  }
  for (const list of versionsBySource.values()) list.sort((a, b) => instant(a.effectiveFrom) - instant(b.effectiveFrom));
  const versionId = (sourceId: string) => `${sourceId}@refresh:${at}`;

  for (const seeded of command.entries) {
    const versions = versionsBySource.get(seeded.id) ?? [];
    const latest = versions.at(-1);
    if (!latest) {
      plan.open({ ...seeded, sourceId: seeded.id });
      continue;
    }
    const sameRates = contentKey(latest) === contentKey(seeded);
    if (seeded.effectiveFrom !== null) {
      if (sameRates && latest.effectiveFrom === seeded.effectiveFrom && latest.effectiveTo === seeded.effectiveTo) continue;
      for (const version of versions) plan.withdraw(version.id);
      plan.open({ ...seeded, id: versionId(seeded.id), sourceId: seeded.id });
      continue;
    }
    if (sameRates) {
      if (latest.effectiveTo !== seeded.effectiveTo) plan.setEnd(latest.id, seeded.effectiveTo);
      continue;
    }
    plan.endBy(latest.id, at);
    if (end(seeded.effectiveTo) > instant(at)) {
      plan.open({ ...seeded, id: versionId(seeded.id), sourceId: seeded.id, effectiveFrom: at });
    }
  }

  const seededIds = new Set(command.entries.map((e) => e.id));
  for (const [sourceId, versions] of versionsBySource) {
    if (!seededIds.has(sourceId)) plan.endBy(versions[versions.length - 1].id, at);
  }
  plan.trimOverlaps();

  const result = plan.result(state.entries);
  const order = command.entries.map((e) => e.id);
  try {
    createPriceCatalog(orderedEntries(result.active, order), { providerFallbacks: command.providerFallbacks, unsupportedRegex: 'native' });
  } catch (err) {
    if (!(err instanceof PricingError)) throw err;
    throw new IngestionError(
      IngestionErrorCode.PricingRefreshConflict,
      `the price data cannot be merged with the stored catalog without guessing (${err.message}); nothing was changed`,
    );
  }

  const parts = Math.max(1, Math.ceil(result.opened.length / CATALOG_PART_MAX_ENTRIES));
  if (parts > command.eventIds.length) {
    throw new Error(`a refresh of ${parts} parts needs as many event ids, the command has ${command.eventIds.length}`);
  }
  return Array.from({ length: parts }, (_, part) => ({
    id: command.eventIds[part],
    type: 'PriceCatalogRefreshed' as const,
    data: {
      refreshId: command.refreshId,
      part,
      parts,
      refreshedAt: at,
      source: command.source,
      attribution: command.attribution,
      contentHash,
      providerFallbacks: command.providerFallbacks,
      ...(part === 0 ? { order } : {}),
      opened: result.opened.slice(part * CATALOG_PART_MAX_ENTRIES, (part + 1) * CATALOG_PART_MAX_ENTRIES),
      closed: part === 0 ? result.closed : [],
      withdrawn: part === 0 ? result.withdrawn : [],
    },
  }));
}

/** The engine's catalog of a state: every stored entry, in the dataset's order. */
export function catalogOf(state: CatalogState): PriceCatalog {
  return createPriceCatalog(orderedEntries(state.entries, state.order), {
    providerFallbacks: state.providerFallbacks,
    unsupportedRegex: 'native',
  });
}

function orderedEntries(entries: ReadonlyMap<string, CatalogEntryData>, order: readonly string[]): CatalogEntryData[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  const rankOf = (e: CatalogEntryData) => rank.get(e.sourceId) ?? order.length;
  return [...entries.values()].sort((a, b) => rankOf(a) - rankOf(b) || instant(a.effectiveFrom) - instant(b.effectiveFrom));
}

/** Working copy of the catalog while a refresh is planned; the events are its difference with the stored one. */
class CatalogPlan {
  readonly active: Map<string, CatalogEntryData>;
  private readonly openedIds = new Set<string>();

  constructor(stored: ReadonlyMap<string, CatalogEntryData>) {
    this.active = new Map(stored);
  }

  open(entry: CatalogEntryData): void {
    this.active.set(entry.id, entry);
    this.openedIds.add(entry.id);
  }

  withdraw(id: string): void {
    this.active.delete(id);
  }

  /** Ends an entry at `to`; an entry that would end before it starts never applied, so it is withdrawn. */
  setEnd(id: string, to: string | null): void {
    const entry = this.active.get(id);
    if (!entry) return;
    if (to !== null && instant(entry.effectiveFrom) >= instant(to)) this.withdraw(id);
    else this.active.set(id, { ...entry, effectiveTo: to });
  }

  /** Stops an entry at `at` unless it has already ended by then. */
  endBy(id: string, at: string): void {
    const entry = this.active.get(id);
    if (entry && end(entry.effectiveTo) > instant(at)) this.setEnd(id, at);
  }

  trimOverlaps(): void {
    const byModel = new Map<string, string[]>();
    for (const entry of this.active.values()) {
      const key = modelKey(entry);
      byModel.set(key, [...(byModel.get(key) ?? []), entry.id]);
    }
    for (const id of this.openedIds) {
      const opened = this.active.get(id);
      if (!opened || opened.effectiveFrom === null) continue;
      for (const otherId of byModel.get(modelKey(opened)) ?? []) {
        const other = this.active.get(otherId);
        if (!other || otherId === id || this.openedIds.has(otherId) || !overlaps(other, opened)) continue;
        this.setEnd(otherId, opened.effectiveFrom);
      }
    }
  }

  result(stored: ReadonlyMap<string, CatalogEntryData>) {
    const opened = [...this.active.values()].filter((e) => !stored.has(e.id));
    const withdrawn = [...stored.values()]
      .filter((e) => !this.active.has(e.id))
      .map((e) => ({ id: e.id, provider: e.provider, effectiveFrom: e.effectiveFrom, effectiveTo: e.effectiveTo }));
    const closed = [...stored.values()].flatMap((e) => {
      const now = this.active.get(e.id);
      if (!now || now.effectiveTo === e.effectiveTo) return [];
      return [{ id: e.id, provider: e.provider, effectiveTo: now.effectiveTo, previousEffectiveTo: e.effectiveTo }];
    });
    return { active: this.active, opened, withdrawn, closed };
  }
}

/** Entries that compete for one model at one instant: same provider and model, same daily window (or none). */
function modelKey(entry: PriceEntry): string {
  return `${normalizeProvider(entry.provider)}\u0000${normalizeModelId(entry.model)}\u0000${stableJson(entry.timeOfDay ?? null)}`;
}

function overlaps(a: PriceEntry, b: PriceEntry): boolean {
  return Math.max(instant(a.effectiveFrom), instant(b.effectiveFrom)) < Math.min(end(a.effectiveTo), end(b.effectiveTo));
}

/** What a price says apart from its period and id: two entries with the same key charge the same. */
function contentKey(entry: PriceEntry): string {
  const { provider, model, aliases, patterns, timeOfDay, currency, rates, tiers } = entry;
  return stableJson({ provider, model, aliases, patterns, timeOfDay, currency, rates, tiers });
}

function instant(value: string | null): number {
  return value === null ? -Infinity : Date.parse(value);
}

function end(value: string | null): number {
  return value === null ? Infinity : Date.parse(value);
}
