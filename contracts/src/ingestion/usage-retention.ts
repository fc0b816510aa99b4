/**
 * Usage retention: how long an organization keeps its usage detail (the ledger's records and the per-record read
 * models) before the maintenance job lets it go. `null` keeps it forever, the default.
 */
export interface UsageRetentionData {
  /** Days usage detail is kept; null: forever. */
  readonly usageRetentionDays: number | null;
}

export const USAGE_RETENTION_DEFAULTS: UsageRetentionData = { usageRetentionDays: null };
export const USAGE_RETENTION_DAYS = { min: 30, max: 3650 } as const;

/** The organization's setting; `revision` is the ETag (-1 while on the default, never written). */
export interface UsageRetentionView extends UsageRetentionData {
  readonly organizationId: string;
  readonly revision: number;
}

export interface UpdateUsageRetentionRequest extends UsageRetentionData {
  /** From If-Match: apply only at this revision. */
  readonly expectedRevision?: number;
}

/** On `ingestion.usage-retention-<organizationId>`; the event is the audit record (who, when, what). */
export interface UsageRetentionChangedData extends UsageRetentionData {
  readonly organizationId: string;
  readonly changedAt: string;
  /** `<actor type>:<actor id>` of the caller. */
  readonly changedBy: string;
}
