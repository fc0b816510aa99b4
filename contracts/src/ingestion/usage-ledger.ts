/**
 * Usage detail in the ledger is sealed per (organization, project, month) (docs/security.md, "Retention of usage
 * detail"). The services that project the ledger besides ingestion (alerts, recommendations) ask ingestion for the
 * keys of the months they read; a month past its organization's retention has no key any more.
 */
export interface UsageLedgerKeysRequest {
  /** A project of the context's organization. */
  readonly projectId: string;
  /** `YYYY-MM` months, at most `USAGE_LEDGER_KEYS_MAX_MONTHS`. */
  readonly months: readonly string[];
}

export const USAGE_LEDGER_KEYS_MAX_MONTHS = 24;

export interface UsageLedgerKeysReply {
  /** Month → its data key (base64url); a month whose key was destroyed (or never made) is absent. */
  readonly keys: Readonly<Record<string, string>>;
}

/**
 * On `ingestion.usage-retention-<organizationId>`: the retention job dropped usage detail past the organization's
 * retention. Counts and months only, never a record.
 */
export interface UsageDetailExpiredData {
  readonly organizationId: string;
  readonly retentionDays: number;
  /** Records that happened before this instant were deleted from the read models. */
  readonly cutoff: string;
  /** Usage records deleted from the read models by this run. */
  readonly records: number;
  /** Traces (with their spans, flags and captured text) that ended before the cutoff, deleted likewise. */
  readonly traces: number;
  /** Project-months whose data key this run destroyed: their ledger records are unreadable from now on. */
  readonly months: readonly { readonly projectId: string; readonly month: string }[];
  readonly expiredAt: string;
}
