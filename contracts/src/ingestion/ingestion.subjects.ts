import { defineSubject } from '../messaging';
import type {
  CostBreakdown,
  CostBreakdownRequest,
  CostSummary,
  CostSummaryRequest,
  CreatePriceOverrideRequest,
  PriceOverrideList,
  PriceOverrideRef,
  PricingModelsPage,
  PricingModelsRequest,
  RecordedSpendPage,
  RecordedSpendRequest,
  RefreshPricingRequest,
  RefreshPricingResult,
  StartUsageImportRequest,
  UsageImportOwner,
  UsageImportRef,
  UsageImportView,
  UsageExportRequest,
  UsageRecordsRequest,
} from './ingestion.messages';
import type { PriceOverrideData, PriceQuoteRequest, PriceQuotes, PricesInForce, PricesInForceRequest } from './pricing';
import type { UsageLedgerKeysReply, UsageLedgerKeysRequest } from './usage-ledger';
import type {
  ContentErasedResult,
  EraseEndUserContentRequest,
  EraseTraceContentRequest,
  TraceSettingsView,
  UpdateTraceSettingsRequest,
} from './trace-settings';
import type { UpdateUsageRetentionRequest, UsageRetentionView } from './usage-retention';
import type { EndUserErasedResult, EndUserPseudonym, EndUserPseudonymRequest, EraseEndUserRequest } from './end-users';
import type { SessionRef, SessionsPage, SessionsRequest, SessionView, TraceRef, TracesPage, TracesRequest, TraceView } from './traces';

/**
 * Request/reply subjects of the ingestion service. Usage itself does not come this way: the gateway publishes
 * `UsageBatchAccepted` to JetStream (`INGEST_USAGE_SUBJECT`), which is durable before it answers 202.
 */
export const ingestionSubjects = {
  costSummary: defineSubject<CostSummaryRequest, CostSummary>('ingestion.query.cost-summary'),
  costBreakdown: defineSubject<CostBreakdownRequest, CostBreakdown>('ingestion.query.cost-breakdown'),
  /**
   * A page of usage records as the bytes of its JSON (a `UsageRecordsPage`, up to 1 MiB), sent by the gateway as the
   * HTTP body as they are: a chunk stream like the export, not a reply, so that neither side parses or writes a page
   * of 1,000 records as JSON again, and no reply's size limit applies. A bad request is refused before any chunk.
   */
  usageRecords: defineSubject<UsageRecordsRequest, Uint8Array>('ingestion.query.usage-records'),
  /**
   * The usage export's file (CSV or JSON Lines bytes, newest first), not a reply: a chunk stream with credit-based
   * flow control (`openChunkStream`/`serveChunkStreams` in libs/messaging). A bad request is refused before any chunk.
   */
  usageExport: defineSubject<UsageExportRequest, Uint8Array>('ingestion.query.usage-export'),
  /** Recorded spend per UTC day and provider, for provider-sync's reconciliation (no gateway route of its own). */
  recordedSpend: defineSubject<RecordedSpendRequest, RecordedSpendPage>('ingestion.query.recorded-spend'),
  pricingModels: defineSubject<PricingModelsRequest, PricingModelsPage>('ingestion.query.pricing-models'),
  /** Hypothetical calls priced at catalog and organization prices, for the recommendations service (no gateway route). */
  priceQuotes: defineSubject<PriceQuoteRequest, PriceQuotes>('ingestion.query.price-quotes'),
  pricesInForce: defineSubject<PricesInForceRequest, PricesInForce>('ingestion.query.prices-in-force'),
  listPriceOverrides: defineSubject<Record<string, never>, PriceOverrideList>('ingestion.query.list-price-overrides'),
  createPriceOverride: defineSubject<CreatePriceOverrideRequest, PriceOverrideData>('ingestion.cmd.create-price-override'),
  deletePriceOverride: defineSubject<PriceOverrideRef, Record<string, never>>('ingestion.cmd.delete-price-override'),
  /** Platform administrators only (the gateway checks); also sent by `npm run pricing:refresh`. */
  refreshPricing: defineSubject<RefreshPricingRequest, RefreshPricingResult>('ingestion.cmd.refresh-pricing'),
  /** The upload is in the usage-imports object store; queues its import (the context's project). */
  startUsageImport: defineSubject<StartUsageImportRequest, UsageImportView>('ingestion.cmd.start-usage-import'),
  /** Progress of an import of the context's organization (and project, for an API key). */
  usageImport: defineSubject<UsageImportRef, UsageImportView>('ingestion.query.usage-import'),
  /** The organization owning an import, for the gateway's tenant check; USAGE_IMPORT_NOT_FOUND otherwise. */
  usageImportOwner: defineSubject<UsageImportRef, UsageImportOwner>('ingestion.query.usage-import-owner'),
  /** The context's project's traces; spans come in over JetStream (`INGEST_SPANS_SUBJECT`), never this way. */
  traces: defineSubject<TracesRequest, TracesPage>('ingestion.query.traces'),
  /** TRACE_NOT_FOUND when the context's project has no span or model call of that trace id. */
  trace: defineSubject<TraceRef, TraceView>('ingestion.query.trace'),
  sessions: defineSubject<SessionsRequest, SessionsPage>('ingestion.query.sessions'),
  /** SESSION_NOT_FOUND when no trace of the context's project carries that session id. */
  session: defineSubject<SessionRef, SessionView>('ingestion.query.session'),
  /** The context's organization's content capture settings (the defaults until written). */
  traceSettings: defineSubject<Record<string, never>, TraceSettingsView>('ingestion.query.trace-settings'),
  /** Owners and admins (the gateway checks); `expectedRevision` from If-Match. */
  updateTraceSettings: defineSubject<UpdateTraceSettingsRequest, TraceSettingsView>('ingestion.cmd.update-trace-settings'),
  /** The context's organization's usage retention (null, forever, until written). */
  usageRetention: defineSubject<Record<string, never>, UsageRetentionView>('ingestion.query.usage-retention'),
  /** Owners and admins (the gateway checks); `expectedRevision` from If-Match. */
  updateUsageRetention: defineSubject<UpdateUsageRetentionRequest, UsageRetentionView>('ingestion.cmd.update-usage-retention'),
  /** Deletes one trace's captured text in the context's project; TRACE_NOT_FOUND when it has no such trace. */
  eraseTraceContent: defineSubject<EraseTraceContentRequest, ContentErasedResult>('ingestion.cmd.erase-trace-content'),
  /** Deletes one end user's captured text in the context's project (none is no error: erasure is idempotent). */
  eraseEndUserContent: defineSubject<EraseEndUserContentRequest, ContentErasedResult>('ingestion.cmd.erase-end-user-content'),
  /**
   * Erases one end user in the context's project: the mapping of their pseudonym deleted, records, rollups and
   * traces re-keyed to the erased marker, captured text deleted (none is no error: erasure is idempotent).
   */
  eraseEndUser: defineSubject<EraseEndUserRequest, EndUserErasedResult>('ingestion.cmd.erase-end-user'),
  /** The ledgers' pseudonym of an end user of the context's organization. */
  endUserPseudonym: defineSubject<EndUserPseudonymRequest, EndUserPseudonym>('ingestion.query.end-user-pseudonym'),
  /**
   * The data keys that seal a project's usage records in the ledger, by month (the context's organization), for
   * the other services' projections of the ledger. Internal: the gateway never routes to it.
   */
  usageLedgerKeys: defineSubject<UsageLedgerKeysRequest, UsageLedgerKeysReply>('ingestion.query.usage-ledger-keys'),
};
