import type {
  ModelPatternData,
  PriceDataAttribution,
  PriceEntryData,
  PriceOverrideData,
  PriceRatesData,
  PriceTierData,
  RecordCostData,
  TimeOfDayWindowData,
} from './pricing';
import type { MoneyAmount, UsageCounts, UsageStatus } from './usage-event';
import type { UsageImportFormat, UsageImportLineError, UsageImportStatus } from './usage-import';

/**
 * Requests and replies of the ingestion subjects. The organization (and project) a request is about is the one its
 * context names, resolved by the gateway from the route, never a payload field: the cost queries read the context's
 * project, or the whole organization when the context names none; prices are the context's organization's.
 * Instants are RFC 3339 strings, ranges are `[from, to)`, amounts are decimal strings with a currency.
 */

export interface CostRange {
  from: string;
  to: string;
}

export interface TokenTotals {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
  reasoning: number;
  /** input + output (cached and reasoning tokens are parts of those). */
  total: number;
}

export interface CostTotals {
  /** Sum of priced and explicit costs; unpriced records add nothing and are counted in `unpriced`. */
  cost: MoneyAmount;
  requests: number;
  errors: number;
  unpriced: number;
  tokens: TokenTotals;
}

export type CostSummaryRequest = CostRange;

export interface CostSummary {
  from: string;
  to: string;
  current: CostTotals;
  /** The period of the same length just before `from`. */
  previous: CostTotals & CostRange;
  /** The traces that started in the range; `flagged`: those a detector flagged (docs/traces.md, "Queries"). */
  traces: TraceCounts;
}

export interface TraceCounts {
  total: number;
  flagged: number;
}

/** `trace`: by the root span name of the traces the records belong to (`null`: records in no named trace). */
export type CostGroupBy = 'provider' | 'model' | 'day' | 'hour' | 'user' | 'project' | 'trace' | `tag:${string}`;

/** A second dimension of a breakdown (a day split by model, for a stacked chart); `project` only for an organization. */
export type CostSplitBy = 'provider' | 'model' | 'project';

export interface CostBreakdownRequest extends CostRange {
  /** `project` only for an organization-wide request; `tag:<name>` groups by that tag's values. */
  groupBy: CostGroupBy;
  /** Rows returned, 1 to 1,000; 100 when absent. */
  limit?: number;
  /** Each group is split by this dimension too: one row per (key, split). */
  splitBy?: CostSplitBy;
  /** Only the records of this provider. */
  provider?: string;
  /** Only the records of this model (exact id as recorded). */
  model?: string;
}

export interface CostBreakdownRow extends CostTotals {
  /**
   * The group: a provider id, a model, a project id, a user id, a tag value, or the start of a day or hour (UTC,
   * RFC 3339). `null` gathers the records without a user (`user`).
   */
  key: string | null;
  /** With `splitBy`: the value of the second dimension. */
  split?: string;
}

export interface CostBreakdown {
  groupBy: CostGroupBy;
  splitBy?: CostSplitBy;
  from: string;
  to: string;
  /** By cost, descending, then by key. */
  rows: CostBreakdownRow[];
}

/** The records of the context's project. */
export interface UsageRecordsRequest extends CostRange {
  model?: string;
  userId?: string;
  status?: UsageStatus;
  /** From the previous page's `nextCursor`; opaque. */
  cursor?: string;
  /** 1 to 1,000; 100 when absent. */
  limit?: number;
}

/** Every record of the context's project in the range, as a file (`ingestionSubjects.usageExport`, a chunk stream). */
export interface UsageExportRequest extends CostRange {
  format: UsageImportFormat;
  model?: string;
  userId?: string;
  status?: UsageStatus;
}

export interface UsageRecordView {
  id: string;
  timestamp: string;
  provider: string;
  model: string;
  usage: Required<UsageCounts>;
  /** Null when the sender gave none. */
  latencyMs: number | null;
  status: UsageStatus;
  errorType: string | null;
  userId: string | null;
  traceId: string | null;
  spanId: string | null;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
  cost: RecordCostData;
  receivedAt: string;
}

/** Newest first. `nextCursor` is null on the last page. */
export interface UsageRecordsPage {
  data: UsageRecordView[];
  nextCursor: string | null;
}

export interface PricingModelsRequest {
  /** Part of a model id or alias, case-insensitive. */
  search?: string;
  provider?: string;
  /** Prices in force at this instant; now when absent. */
  at?: string;
  cursor?: string;
  /** 1 to 1,000; 100 when absent. */
  limit?: number;
}

export interface PricingModelsPage {
  data: PriceEntryData[];
  nextCursor: string | null;
  attribution: PriceDataAttribution;
}

export interface PriceOverrideList {
  data: PriceOverrideData[];
}

/** A new price of the context's organization. Currency, when given, must be USD. */
export interface CreatePriceOverrideRequest {
  provider: string;
  model: string;
  aliases?: string[];
  patterns?: ModelPatternData[];
  /** Null or absent: since always; a past instant reprices what it covers. */
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
  timeOfDay?: TimeOfDayWindowData;
  currency?: 'USD';
  rates: PriceRatesData;
  tiers?: PriceTierData[];
}

/** A price of the context's organization. */
export interface PriceOverrideRef {
  overrideId: string;
}

/** `bundled`: the dataset shipped with the installed `@pydantic/genai-prices`; `remote`: its latest published data. */
export interface RefreshPricingRequest {
  source?: 'bundled' | 'remote';
}

export interface RefreshPricingResult {
  /** Null when the data equals the stored catalog: nothing was appended. */
  refreshId: string | null;
  contentHash: string;
  opened: number;
  closed: number;
  withdrawn: number;
  /** Entries in the catalog after the refresh, including closed periods. */
  entries: number;
}

/** How recorded spend is summed per UTC day and provider: alone, or also by model or by project. */
export type RecordedSpendGroupBy = 'day' | 'model' | 'project';
export const RECORDED_SPEND_GROUPS: readonly RecordedSpendGroupBy[] = ['day', 'model', 'project'];

/**
 * Recorded spend of the context's organization per UTC day and provider (and model or project), for reconciling
 * it with what the providers billed. `from` and `to` are RFC 3339 instants widened to whole UTC days: every day the
 * range `[from, to)` touches. At most 400 days. Keyset-paginated: `cursor` is the previous page's `nextCursor`.
 */
export interface RecordedSpendRequest extends CostRange {
  groupBy: RecordedSpendGroupBy;
  /** Only this provider's records (the provider id as recorded, e.g. `openai`). */
  provider?: string;
  /** Rows per page, 1 to 5,000; 2,000 when absent. */
  limit?: number;
  cursor?: string;
}

export interface RecordedSpendRow {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  provider: string;
  /** With `groupBy: model`. */
  model?: string;
  /** With `groupBy: project`. */
  projectId?: string;
  /** Priced and explicit costs; unpriced records add nothing and are counted in `unpriced`. */
  cost: MoneyAmount;
  requests: number;
  unpriced: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface RecordedSpendPage {
  /** The whole UTC days the rows cover: `[from, to)`, both at midnight UTC. */
  from: string;
  to: string;
  groupBy: RecordedSpendGroupBy;
  data: RecordedSpendRow[];
  nextCursor: string | null;
}

/** The gateway stored the upload under `importId` in the usage-imports object store; the import is queued. */
export interface StartUsageImportRequest {
  importId: string;
  format: UsageImportFormat;
  /** Bytes stored. */
  bytes: number;
}

export interface UsageImportRef {
  importId: string;
}

/** Who owns an import: the gateway's tenant check of `/v1/usage/imports/{importId}`. */
export interface UsageImportOwner {
  organizationId: string;
}

/**
 * Progress of an import. `linesRead` counts the file's lines read so far (the CSV header included); every data line
 * ends up in exactly one of `accepted` (a new event, counted), `duplicates` (its id was already counted in the
 * project) or `rejected` (invalid; the first `errors` say why). `completed` means all three are final.
 */
export interface UsageImportView {
  importId: string;
  projectId: string;
  format: UsageImportFormat;
  status: UsageImportStatus;
  bytes: number;
  linesRead: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: UsageImportLineError[];
  /** True when more lines were rejected than `errors` lists. */
  errorsTruncated: boolean;
  /** Why a failed import stopped (the lines before were recorded). */
  failure: string | null;
  createdAt: string;
  completedAt: string | null;
}
