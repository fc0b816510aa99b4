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

/**
 * The rollup tables of ingestion's read models whose rows a `UsageAggregatesKept` carries (the organization's and the
 * monthly end-user rollups are sums of these, rebuilt from them). `hourly_tags` is in events kept since issue 15.
 */
export type UsageRollupLevel = 'hourly' | 'daily' | 'daily_users' | 'daily_tags' | 'hourly_tags';

/**
 * On `ingestion.usage-<projectId>`, appended by the retention job just before it destroys a month's key: the month's
 * aggregates (the rows of the rollup tables whose bucket is in the month) exactly as the read models held them
 * after every earlier event of the stream. A rebuild of the read models, which can no longer read the month's
 * records, replaces the month's aggregates with them; applied live, it changes nothing. An end user is named by
 * the ledger's pseudonym (`endUser`), never the id. Cut into parts of at most `USAGE_AGGREGATES_PART_ROWS` rows.
 */
export interface UsageAggregatesKeptData {
  readonly organizationId: string;
  readonly projectId: string;
  /** `YYYY-MM`, UTC. */
  readonly month: string;
  readonly part: number;
  readonly parts: number;
  readonly rows: readonly { readonly level: UsageRollupLevel; readonly row: Readonly<Record<string, unknown>> }[];
}

export const USAGE_AGGREGATES_PART_ROWS = 1_000;
