import type { MoneyAmount } from '../ingestion/usage-event';

/**
 * Requests and replies of provider-sync's reconciliation: what the providers billed (imported by the sync) against
 * what ingestion recorded, per UTC day and provider, for the organization of the request's context. Amounts are
 * decimal strings in USD; `delta` is billed − recorded (positive: spend that was not recorded).
 */

export const RECONCILIATION_GROUPS = ['day', 'model', 'project'] as const;
export type ReconciliationGroupBy = (typeof RECONCILIATION_GROUPS)[number];

export const RECONCILIATION_STATUSES = ['matched', 'unrecorded', 'overrecorded', 'pending'] as const;
/**
 * `matched`: within the organization's tolerance; `unrecorded`: billed above recorded (callers bypassing
 * instrumentation); `overrecorded`: recorded above billed (wrong prices, duplicates, failed calls counted);
 * `pending`: the UTC day is not over, or no import has covered it yet.
 */
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

/** `[from, to)` instants, widened to the whole UTC days they touch (at most 400). */
export interface ReconciliationRequest {
  from: string;
  to: string;
  groupBy: ReconciliationGroupBy;
  /** Only this provider (`openai`, `anthropic`). */
  provider?: string;
}

export interface ReconciliationRow {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  provider: string;
  /** With `groupBy: model`. */
  model?: string;
  /** With `groupBy: project`: the LLMLab project, or null for billed spend no project mapping covers. */
  projectId?: string | null;
  recorded: MoneyAmount;
  billed: MoneyAmount;
  /** billed − recorded. */
  delta: MoneyAmount;
  /** delta / billed in percent (two decimals), null when nothing was billed. */
  deltaPercent: string | null;
  status: ReconciliationStatus;
}

export interface ReconciliationTotals {
  /** Over the rows that are not pending. */
  recorded: MoneyAmount;
  billed: MoneyAmount;
  delta: MoneyAmount;
  deltaPercent: string | null;
  /** Sums of the deltas of the unrecorded and overrecorded rows (both positive). */
  unrecorded: MoneyAmount;
  overrecorded: MoneyAmount;
  /** Rows per status. */
  rows: Record<ReconciliationStatus, number>;
}

export interface ReconciliationReport {
  /** The whole UTC days reconciled, `[from, to)`. */
  from: string;
  to: string;
  groupBy: ReconciliationGroupBy;
  tolerance: ReconciliationTolerance;
  /** Day, provider, then model or project. */
  rows: ReconciliationRow[];
  totals: ReconciliationTotals;
}

/** A row is matched when |delta| is at most `amount` USD, or at most `percent` % of what was billed. */
export interface ReconciliationTolerance {
  /** Decimal string, 0 to 100. */
  percent: string;
  /** Decimal string, USD. */
  amount: string;
}

export const DEFAULT_RECONCILIATION_TOLERANCE: ReconciliationTolerance = { percent: '1', amount: '0.01' };

export interface ReconciliationSettingsView {
  organizationId: string;
  tolerance: ReconciliationTolerance;
  /** -1 while the organization runs on the defaults. */
  revision: number;
  updatedAt: string | null;
}

export interface UpdateReconciliationSettingsRequest {
  tolerance: Partial<ReconciliationTolerance>;
  expectedRevision?: number;
}

/** Token counts of one side of a token reconciliation row. */
export interface TokenCounts {
  input: number;
  output: number;
  cachedInput: number;
  requests: number;
}

export interface TokenReconciliationRequest {
  from: string;
  to: string;
  provider?: string;
}

/**
 * Recorded against reported (the provider's usage report) tokens of one model on one UTC day: when tokens match and
 * costs do not, the price is wrong; when both are short, a caller is missing.
 */
export interface TokenReconciliationRow {
  day: string;
  provider: string;
  model: string;
  recorded: TokenCounts;
  reported: TokenCounts;
  /** reported − recorded, per count. */
  delta: TokenCounts;
  status: ReconciliationStatus;
}

export interface TokenReconciliationReport {
  from: string;
  to: string;
  rows: TokenReconciliationRow[];
}
