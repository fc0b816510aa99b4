export enum IngestionErrorCode {
  /** A query or command whose input is wrong; `errors` says where. */
  ValidationFailed = 'VALIDATION_FAILED',
  /** A pagination cursor that this service did not hand out, or for another query. */
  InvalidCursor = 'INVALID_CURSOR',
  /** A message on the ingest stream that breaks the `UsageBatchAccepted` contract: it is dead-lettered. */
  InvalidUsageBatch = 'INVALID_USAGE_BATCH',
  PriceOverrideNotFound = 'PRICE_OVERRIDE_NOT_FOUND',
  /** The new override would apply at the same instant as an existing one for the same model. */
  PriceOverrideOverlaps = 'PRICE_OVERRIDE_OVERLAPS',
  /** The organization has as many prices, or regex patterns, as it may have (docs/security.md): remove one first. */
  PriceOverrideLimitReached = 'PRICE_OVERRIDE_LIMIT_REACHED',
  /** The price data cannot be merged with the stored catalog without guessing: nothing was changed. */
  PricingRefreshConflict = 'PRICING_REFRESH_CONFLICT',
  /** The remote price data could not be fetched or read. */
  PricingSourceUnavailable = 'PRICING_SOURCE_UNAVAILABLE',
  /** No import of that id in the caller's organization (or project). */
  UsageImportNotFound = 'USAGE_IMPORT_NOT_FOUND',
  /** No span or model call of that trace id in the context's project. */
  TraceNotFound = 'TRACE_NOT_FOUND',
  /** No trace of the context's project carries that session id. */
  SessionNotFound = 'SESSION_NOT_FOUND',
  /** A message on the ingest stream that breaks the `SpanBatchAccepted` contract: it is dead-lettered. */
  InvalidSpanBatch = 'INVALID_SPAN_BATCH',
}

export const INGESTION_ERROR_CODES: readonly IngestionErrorCode[] = Object.values(IngestionErrorCode);
