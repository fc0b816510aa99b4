import type { MoneyAmount } from '../ingestion/usage-event';

/**
 * What the recommenders look for (docs/recommendations.md, "Recommenders"):
 * - `model_rightsizing`: traffic whose shape suits a cheaper model of the same provider family;
 * - `prompt_caching`: long prefixes repeated with a low cache-read share;
 * - `batch_api`: latency-insensitive traffic that the providers' batch endpoints would take at a discount;
 * - `failed_spend`: money spent on calls that failed or were retried;
 * - `reasoning_effort`: a reasoning model spending most of its output on reasoning for short answers;
 * - `unpriced_usage`: models without a price (their money cannot be known until one is set).
 */
export const RECOMMENDATION_KINDS = [
  'model_rightsizing',
  'prompt_caching',
  'batch_api',
  'failed_spend',
  'reasoning_effort',
  'unpriced_usage',
] as const;
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];

/** `open` → `accepted` or `dismissed`; `resolved` when the pattern disappears before either. */
export const RECOMMENDATION_STATUSES = ['open', 'accepted', 'dismissed', 'resolved'] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

export const RECOMMENDATION_CONFIDENCES = ['low', 'medium', 'high'] as const;
export type RecommendationConfidence = (typeof RECOMMENDATION_CONFIDENCES)[number];

/** What a recommendation is about: a project, and where it applies, a model and a feature (`tags.feature`). */
export interface RecommendationScope {
  readonly projectId: string;
  readonly provider: string | null;
  readonly model: string | null;
  /** `''`: the calls without a feature tag; null: every feature. */
  readonly feature: string | null;
}

/**
 * One recommender's finding on one scope, as it stands at an evaluation: the change, the figures it rests on, and
 * the money. `estimatedMonthlySavings` is exact: the observed traffic repriced at catalog prices under the change,
 * scaled from the window to 30 days; null when it cannot be known (unpriced usage).
 */
export interface RecommendationFindings {
  readonly kind: RecommendationKind;
  readonly scope: RecommendationScope;
  /** One line: "Move support on gpt-4o to gpt-4o-mini". */
  readonly title: string;
  /** What to do, concretely. */
  readonly change: string;
  /** The model to move to (`model_rightsizing`), or none. */
  readonly target: { readonly provider: string; readonly model: string } | null;
  readonly evidence: {
    /** The UTC days observed, `[from, to)`. */
    readonly window: { readonly from: string; readonly to: string };
    /** The figures used: counts as numbers, amounts and shares as decimal strings. */
    readonly figures: Readonly<Record<string, string | number>>;
  };
  readonly estimatedMonthlySavings: MoneyAmount | null;
  readonly confidence: RecommendationConfidence;
  /** What to check before or after the change (quality, latency). */
  readonly caveats: readonly string[];
}

/** A recommendation as the API shows it. */
export interface RecommendationView {
  id: string;
  organizationId: string;
  projectId: string;
  kind: RecommendationKind;
  status: RecommendationStatus;
  scope: RecommendationScope;
  title: string;
  change: string;
  target: { provider: string; model: string } | null;
  evidence: RecommendationFindings['evidence'];
  estimatedMonthlySavings: MoneyAmount | null;
  confidence: RecommendationConfidence;
  caveats: string[];
  openedAt: string;
  updatedAt: string;
  acceptedAt: string | null;
  acceptedBy: string | null;
  dismissedAt: string | null;
  dismissedBy: string | null;
  dismissReason: string | null;
  resolvedAt: string | null;
  /** The proxy route that applies it (`POST /v1/recommendations/{id}/apply`), or null. */
  appliedRoute: { routeId: string; appliedAt: string; appliedBy: string } | null;
  /**
   * Accepted ones: what the change saved since it was accepted, measured on the traffic since then against what the
   * same traffic would have cost before the change. Null for the others, and while nothing can be measured yet.
   */
  realizedSavings: RealizedSavings | null;
  /** The stream revision: the ETag of the recommendation. */
  revision: number;
}

export interface RealizedSavings {
  /** The UTC days measured, `[from, to)`: from the day of acceptance to today included. */
  window: { from: string; to: string };
  /** The traffic in scope as recorded since acceptance. */
  actual: MoneyAmount;
  /** The same traffic as it would have cost before the change. */
  baseline: MoneyAmount;
  /** baseline − actual (negative when the change cost more). */
  saved: MoneyAmount;
  /** How the baseline was made, in a sentence. */
  method: string;
}

/** Open first by default; sorted by estimated monthly savings, largest first (unknown last), then newest. */
export interface ListRecommendationsRequest {
  status?: RecommendationStatus;
  kind?: RecommendationKind;
  /** 1 to 200; 50 when absent. */
  limit?: number;
  cursor?: string;
}

export interface RecommendationList {
  data: RecommendationView[];
  nextCursor: string | null;
}

export interface RecommendationRef {
  recommendationId: string;
}

export interface DismissRecommendationRequest extends RecommendationRef {
  reason?: string | null;
}

/** What one evaluation of a project did. */
export interface RecommendationsRefreshed {
  evaluatedAt: string;
  opened: number;
  updated: number;
  reopened: number;
  resolved: number;
  /** Open recommendations of the project after it. */
  open: number;
}

/** The gateway's question for `/v1/recommendations/{id}`: whose is it? */
export interface ResolveRecommendationOwnerRequest {
  id: string;
}

export interface RecommendationOwner {
  organizationId: string;
  projectId: string;
}

/**
 * The period's traffic priced as it happened and as it would have been under changes (`POST .../what-if`): the
 * brief's model comparison too, the same traffic priced on candidate models side by side.
 */
export interface WhatIfRequest {
  /** UTC days `[from, to)`, `YYYY-MM-DD` or RFC 3339 (the day it falls in). */
  from: string;
  to: string;
  /** The first substitution whose `match` fits a model (and feature, when it names one) applies to it. */
  substitutions?: { match: { provider: string; model: string; feature?: string }; use: { provider: string; model: string } }[];
  /** Assume this share (0 to 1) of every call's input tokens is read from the prompt cache (at least what already was). */
  promptCaching?: { cachedShare: number };
  /** Move the traffic of these features (every feature when absent) to the providers' batch APIs, at their discount. */
  batch?: { features?: string[] };
}

export interface WhatIfRow {
  provider: string;
  model: string;
  feature: string;
  calls: number;
  /** As recorded. Unpriced calls count in `unpricedCalls`, never as zero. */
  actual: MoneyAmount;
  /** Under the changes; null when the changed traffic cannot be priced (no price for the target). */
  projected: MoneyAmount | null;
  /** The model the row would use, when a substitution applies. */
  use: { provider: string; model: string } | null;
  unpricedCalls: number;
}

export interface WhatIfResult {
  from: string;
  to: string;
  actual: MoneyAmount;
  /** Null when some changed row cannot be priced. */
  projected: MoneyAmount | null;
  difference: MoneyAmount | null;
  rows: WhatIfRow[];
}

/** 80 % and 95 % prediction intervals, decimal strings (USD). */
export interface ForecastIntervalsView {
  p80: { low: string; high: string };
  p95: { low: string; high: string };
}

/**
 * The current UTC month's spend projected to its end (`GET .../forecast`), with prediction intervals and the daily
 * series a chart draws; one implementation with the budgets' forecast rule (libs/spend-analytics, docs/forecasting.md).
 */
export interface ForecastView {
  period: { start: string; end: string; timeZone: string };
  currency: 'USD';
  spendToDate: string;
  projected: string;
  /** `weekday-seasonal`, `weighted-average`, `period-run-rate` or `spend-to-date`. */
  method: string;
  /** Null when the history is too short to measure the model's errors (see `uncertainty.status`). */
  intervals: ForecastIntervalsView | null;
  uncertainty: { status: string; residuals: number; relativeError: string | null; bias: string | null };
  /** Every day of the month, oldest first. */
  daily: {
    date: string;
    actual?: string;
    expected?: string;
    intervals?: ForecastIntervalsView;
    cumulative: { expected: string; intervals?: ForecastIntervalsView };
  }[];
}

/**
 * The model right-sizing table of an organization: the repository's (docs/pricing.md, "Model equivalence") with its
 * own lines. Keys and values are `provider/model`; each line lists cheaper alternatives, closest first, and an
 * organization's line replaces the repository's for that model (an empty list: suggest nothing for it).
 */
export interface ModelEquivalenceView {
  organizationId: string;
  /** What the recommender uses. */
  effective: Record<string, string[]>;
  /** The organization's own lines. */
  overrides: Record<string, string[]>;
  /** -1 while the organization has changed nothing; also the ETag. */
  revision: number;
}

export interface UpdateModelEquivalenceRequest {
  /** Replaces the organization's lines as a whole. */
  overrides: Record<string, string[]>;
  expectedRevision?: number;
}

/** The context's project's proxy routes' traffic over the UTC days the range `[from, to)` touches. */
export interface RouteTrafficRequest {
  from: string;
  to: string;
}

/** What one proxy route served in the window (`metadata.proxy` of the calls it recorded). */
export interface RouteTrafficRow {
  routeId: string;
  /** Every call the route served, cache hits and failures included. */
  calls: number;
  /** Calls recorded as errors: every target failed, or the answer was an error. */
  errors: number;
  /** Calls answered by a target after the first (a fallback). */
  fallbacks: number;
  /** Calls answered from the route's response cache, at no cost. */
  cacheHits: number;
  /** What the route's calls cost as recorded (cache hits cost nothing). */
  cost: MoneyAmount;
  /** What the cache hits would have cost: the cost of the calls whose answers they replayed. */
  cacheSaved: MoneyAmount;
}

export interface RouteTrafficView {
  /** The UTC days counted, `[from, to)`. */
  window: { from: string; to: string };
  /** Routes with at least one call in the window, most calls first; a removed route keeps its figures. */
  routes: RouteTrafficRow[];
}
