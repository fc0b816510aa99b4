import type { Ciphertext } from '../auth/auth.events';
import type { UsageEventInput } from './usage-event';
import type { UsageImportFormat, UsageImportLineError } from './usage-import';
import type { SpansRecordedData, TracesEvaluatedData } from './traces';
import type { TraceContentErasedData, TraceSettingsChangedData } from './trace-settings';
import type { UsageRetentionChangedData } from './usage-retention';
import type { EndUserErasedData } from './end-users';
import type { UsageAggregatesKeptData, UsageDetailExpiredData } from './usage-ledger';
import type { CatalogEntryData, PriceDataAttribution, PriceOverrideData, RecordCostData } from './pricing';

/**
 * Events of the ingestion service (DESIGN.md section 2). Streams:
 * - `ingestion.usage-<projectId>`: `UsageRecorded`, `UsageRepriced` (the usage ledger of a project), and
 *   `UsageAggregatesKept` (a month's aggregates, before retention makes its records unreadable);
 * - `ingestion.pricing-overrides-<organizationId>`: `PriceOverrideSet`, `PriceOverrideRemoved`;
 * - `ingestion.price-catalog-genai-prices`: `PriceCatalogRefreshed`;
 * - `ingestion.usage-import-<importId>`: `UsageImportQueued`, `UsageImportStarted`, `UsageImportPartRecorded`,
 *   `UsageImportCompleted`, `UsageImportFailed` (a backfill and its checkpoint);
 * - `ingestion.traces-<projectId>`: `SpansRecorded`, `TracesEvaluated` (a project's traces and their flags);
 * - `ingestion.trace-settings-<organizationId>`: `TraceSettingsChanged` (content capture on or off, retention);
 * - `ingestion.trace-content-<projectId>`: `TraceContentErased` (captured text deleted: ids only);
 * - `ingestion.usage-retention-<organizationId>`: `UsageRetentionChanged` (days usage detail is kept, or forever);
 * - `ingestion.usage-expiry-<organizationId>`: `UsageDetailExpired` (usage detail past retention dropped: counts);
 * - `ingestion.end-users-<projectId>`: `EndUserErased` (an end user's data erased: the pseudonym only).
 * They carry ids, counts and prices, never prompts or completions.
 */
export const ingestionStreams = {
  usage: (projectId: string) => `ingestion.usage-${projectId}`,
  priceOverrides: (organizationId: string) => `ingestion.pricing-overrides-${organizationId}`,
  priceCatalog: 'ingestion.price-catalog-genai-prices',
  usageImport: (importId: string) => `ingestion.usage-import-${importId}`,
  traces: (projectId: string) => `ingestion.traces-${projectId}`,
  traceSettings: (organizationId: string) => `ingestion.trace-settings-${organizationId}`,
  traceContent: (projectId: string) => `ingestion.trace-content-${projectId}`,
  usageRetention: (organizationId: string) => `ingestion.usage-retention-${organizationId}`,
  usageExpiry: (organizationId: string) => `ingestion.usage-expiry-${organizationId}`,
  endUsers: (projectId: string) => `ingestion.end-users-${projectId}`,
} as const;

/**
 * One usage event as the ledger keeps it: what the client sent, and its cost when it was recorded (a client's
 * explicit `cost` becomes a cost of status `override`). The client's `userId` is kept as `endUser`, its keyed
 * pseudonym (end-users.ts); ledgers written before pseudonyms carry `userId` itself, and readers accept both.
 */
export interface UsageRecordData extends Omit<UsageEventInput, 'cost'> {
  /** The end user's keyed pseudonym (`eu_…`). */
  readonly endUser?: string;
  /** Provider id as prices are filed under (`normalizeProvider`: `bedrock` → `aws`). */
  readonly provider: string;
  readonly cost: RecordCostData;
}

/**
 * The records of one accepted HTTP batch (or one part of it: a large batch is split so that no event exceeds
 * what a NATS message holds). Ids are derived from `batchId` and `part`, so a redelivered batch appends nothing.
 * Every copy of an event id is in the ledger; the projection counts the first one per project.
 */
export interface UsageRecordedData {
  readonly batchId: string;
  readonly part: number;
  readonly parts: number;
  readonly organizationId: string;
  readonly projectId: string;
  /** The API key that sent the events; null for an import a signed-in user uploaded (the event's actor says who). */
  readonly apiKeyId: string | null;
  readonly receivedAt: string;
  /**
   * Set when the records come from a backfill: the projection then also compares each id with the records it
   * already holds (a claim older than the dedup window is gone) and reports its counts to the import.
   */
  readonly importId?: string;
  /** Revisions of the catalog and of the organization's overrides the records were priced with (-1: none). */
  readonly pricing: { readonly catalogRevision: number; readonly overridesRevision: number };
  /**
   * The records in clear: ledgers written before sealing, and nothing since (an empty array). Read a ledger event's
   * records with `openUsageRecords` (libs/crypto), which takes both forms.
   */
  readonly records: readonly UsageRecordData[];
  /**
   * The records, sealed by month under their project-month's data key (docs/security.md, "Retention of usage
   * detail"): once retention destroys a month's key, its records in the ledger are unreadable, and only `count`
   * remains.
   */
  readonly sealed?: readonly SealedUsageRecords[];
}

/** The records of one part whose timestamps fall in one UTC month, sealed under the project-month's data key. */
export interface SealedUsageRecords {
  /** `YYYY-MM`, UTC. */
  readonly month: string;
  readonly count: number;
  /**
   * Which key sealed it (libs/crypto's `usageLedgerKeyId`): a month's key made again after retention destroyed the
   * first (late usage) is another key, and the group reads as expired rather than as damaged.
   */
  readonly keyId?: string;
  /**
   * `deflate`: the records' JSON was compressed (raw DEFLATE) before it was sealed. Absent in groups sealed before
   * issue 15: the JSON itself.
   */
  readonly encoding?: 'deflate';
  /** AES-256-GCM of the records' JSON array (base64url), bound to the organization, project and month. */
  readonly ciphertext: Ciphertext;
}

export interface UsageCorrection {
  /** The usage event's id (the client's). */
  readonly eventId: string;
  readonly timestamp: string;
  readonly previous: RecordCostData;
  readonly current: RecordCostData;
}

/**
 * A correction of recorded costs: a price arrived or changed for the period the records are in. History is never
 * rewritten: the original `UsageRecorded` stays, and read models apply the difference.
 */
export interface UsageRepricedData {
  readonly organizationId: string;
  readonly projectId: string;
  /** `price-change`: the pricing event that triggered the run; `stale-pricing`: records priced while it arrived. */
  readonly reason: { readonly kind: 'price-change'; readonly pricingEventId: string } | { readonly kind: 'stale-pricing' };
  readonly corrections: readonly UsageCorrection[];
}

export interface PriceOverrideSetData {
  readonly organizationId: string;
  readonly override: PriceOverrideData;
}

export interface PriceOverrideRemovedData {
  readonly organizationId: string;
  readonly overrideId: string;
  /** The override as it was, so a reader knows what stopped applying without replaying the stream. */
  readonly override: PriceOverrideData;
  readonly removedAt: string;
}

/**
 * One part of a catalog refresh (all parts of a refresh are appended together). Entries are never edited in
 * place: a changed price closes the stored entry (`closed`) and opens a new version (`opened`); an entry that had
 * not started yet when the data changed is `withdrawn`.
 */
export interface PriceCatalogRefreshedData {
  readonly refreshId: string;
  readonly part: number;
  readonly parts: number;
  readonly refreshedAt: string;
  readonly source: { readonly kind: 'bundled' | 'remote'; readonly url?: string };
  readonly attribution: PriceDataAttribution;
  /** SHA-256 of the dataset's entries and fallbacks as seeded: equal hashes, equal catalogs. */
  readonly contentHash: string;
  /** Providers searched, in order, when a provider has no price for a model (Azure → OpenAI...). */
  readonly providerFallbacks: Readonly<Record<string, readonly string[]>>;
  /** Source ids of the dataset in its order (part 0 only): among pattern matches, the first model wins. */
  readonly order?: readonly string[];
  readonly opened: readonly CatalogEntryData[];
  /** Entries whose period now ends elsewhere: the price changed, or the dataset dated (or undated) its end. */
  readonly closed: readonly {
    readonly id: string;
    readonly provider: string;
    readonly effectiveTo: string | null;
    readonly previousEffectiveTo: string | null;
  }[];
  readonly withdrawn: readonly {
    readonly id: string;
    readonly provider: string;
    readonly effectiveFrom: string | null;
    readonly effectiveTo: string | null;
  }[];
}

/** Who uploaded an import: the actor of its ledger events. */
export interface UsageImportActor {
  readonly type: 'user' | 'api_key';
  readonly id: string;
}

/** The upload is durable in the usage-imports object store (object name = import id); the worker will read it. */
export interface UsageImportQueuedData {
  readonly importId: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly actor: UsageImportActor;
  readonly format: UsageImportFormat;
  readonly bytes: number;
  /** Timestamps are checked against this instant (never in the future), not the worker's clock. */
  readonly queuedAt: string;
}

export interface UsageImportStartedData {
  readonly importId: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly startedAt: string;
}

/**
 * One part recorded (its valid lines appended to the ledger first): the checkpoint a resumed import continues from.
 * `records` and `linesRead` are totals so far; `accepted` and `rejected` this part's valid and invalid lines.
 */
export interface UsageImportPartRecordedData {
  readonly importId: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly part: number;
  readonly records: number;
  readonly linesRead: number;
  readonly accepted: number;
  readonly rejected: number;
  /** This part's line errors, within what is left of the import's bound. */
  readonly errors: readonly UsageImportLineError[];
  /** This part's line errors before the bound. */
  readonly errorCount: number;
}

export interface UsageImportCompletedData {
  readonly importId: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly parts: number;
  readonly records: number;
  readonly linesRead: number;
  readonly completedAt: string;
}

/** The file could not be read further (a broken CSV, a header that is not the export's): the parts before stay. */
export interface UsageImportFailedData {
  readonly importId: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly reason: string;
  readonly failedAt: string;
}

export type IngestionEvent =
  | { type: 'UsageRecorded'; data: UsageRecordedData }
  | { type: 'UsageRepriced'; data: UsageRepricedData }
  | { type: 'PriceOverrideSet'; data: PriceOverrideSetData }
  | { type: 'PriceOverrideRemoved'; data: PriceOverrideRemovedData }
  | { type: 'PriceCatalogRefreshed'; data: PriceCatalogRefreshedData }
  | { type: 'UsageImportQueued'; data: UsageImportQueuedData }
  | { type: 'UsageImportStarted'; data: UsageImportStartedData }
  | { type: 'UsageImportPartRecorded'; data: UsageImportPartRecordedData }
  | { type: 'UsageImportCompleted'; data: UsageImportCompletedData }
  | { type: 'UsageImportFailed'; data: UsageImportFailedData }
  | { type: 'SpansRecorded'; data: SpansRecordedData }
  | { type: 'TracesEvaluated'; data: TracesEvaluatedData }
  | { type: 'TraceSettingsChanged'; data: TraceSettingsChangedData }
  | { type: 'TraceContentErased'; data: TraceContentErasedData }
  | { type: 'UsageRetentionChanged'; data: UsageRetentionChangedData }
  | { type: 'EndUserErased'; data: EndUserErasedData }
  | { type: 'UsageDetailExpired'; data: UsageDetailExpiredData }
  | { type: 'UsageAggregatesKept'; data: UsageAggregatesKeptData };

export type IngestionEventType = IngestionEvent['type'];
