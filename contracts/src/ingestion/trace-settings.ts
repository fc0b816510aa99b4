/**
 * Content capture: whether an organization keeps its spans' prompt and completion text (encrypted, bounded,
 * erasable; docs/traces.md, "Content capture"). Off unless the organization turns it on.
 */
export interface TraceSettingsData {
  readonly captureContent: boolean;
  /** Days a captured text is kept before the maintenance job purges it. */
  readonly contentRetentionDays: number;
}

export const TRACE_SETTINGS_DEFAULTS: TraceSettingsData = { captureContent: false, contentRetentionDays: 30 };
export const CONTENT_RETENTION_DAYS = { min: 1, max: 90 } as const;

/** The organization's settings; `revision` is the ETag (-1 while on the defaults, never written). */
export interface TraceSettingsView extends TraceSettingsData {
  readonly organizationId: string;
  readonly revision: number;
}

export interface UpdateTraceSettingsRequest extends TraceSettingsData {
  /** From If-Match: apply only at this revision. */
  readonly expectedRevision?: number;
}

/** On `ingestion.trace-settings-<organizationId>`; the event is the audit record (who, when, what). */
export interface TraceSettingsChangedData extends TraceSettingsData {
  readonly organizationId: string;
  readonly changedAt: string;
  /** `<actor type>:<actor id>` of the caller. */
  readonly changedBy: string;
}

/** One trace's captured content, erased (the context's project). */
export interface EraseTraceContentRequest {
  readonly traceId: string;
}

/** One end user's captured content across the context's project (spans whose `userId` is this one). */
export interface EraseEndUserContentRequest {
  readonly userId: string;
}

export interface ContentErasedResult {
  /** Texts deleted (a span's input and output are one). */
  readonly spans: number;
}

/**
 * On `ingestion.trace-content-<projectId>`: ids only, never text. An end user is named by the ledgers' keyed
 * pseudonym of their id (`eu_…`, end-users.ts; events written before pseudonyms hold the SHA-256 hex of the id),
 * so the erasure record does not keep the identifier it erased.
 */
export interface TraceContentErasedData {
  readonly organizationId: string;
  readonly projectId: string;
  readonly traceId?: string;
  readonly endUserHash?: string;
  readonly spans: number;
  readonly erasedAt: string;
  readonly erasedBy: string;
}
