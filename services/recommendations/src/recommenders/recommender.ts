import type { RecommendationFindings, RecommendationKind } from '@llmlab/contracts';

/** The UTC days a project's traffic was observed over, `[from, to)`. */
export interface TrafficWindow {
  from: string;
  to: string;
  days: number;
}

/** A project's traffic of one provider, model and feature over the window, as `traffic_daily` sums it. */
export interface ModelTraffic {
  provider: string;
  model: string;
  /** `''`: calls without a feature tag. */
  feature: string;
  calls: number;
  errors: number;
  withUser: number;
  withTools: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Decimal strings. */
  cost: string;
  errorCost: string;
  unpriced: number;
  outputBuckets: number[];
  inputBuckets: number[];
  hourBuckets: number[];
}

/** Calls repeating one prompt prefix on one model over the window. */
export interface PrefixTraffic {
  provider: string;
  model: string;
  prefixHash: string;
  calls: number;
  prefixTokens: number;
  tools: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  cost: string;
}

/** The project's evaluated traces over the window, per flag type. */
export interface FlaggedTraces {
  flag: string;
  traces: number;
  cost: string;
}

export interface ProjectTraffic {
  organizationId: string;
  projectId: string;
  window: TrafficWindow;
  models: ModelTraffic[];
  prefixes: PrefixTraffic[];
  flagged: FlaggedTraces[];
  evaluatedTraces: number;
}

/** Thresholds every recommender shares (docs/recommendations.md, "Configuration"). */
export interface RecommenderPolicy {
  /** Estimated monthly savings under this (USD, decimal string) are not worth a recommendation. */
  minMonthlySavings: string;
}

/**
 * One kind of advice: reads a project's traffic over the window and returns its findings, at most one per scope.
 * Pure: no clock, no I/O; prices come in with the traffic's own figures or from the pricing the evaluator hands over.
 */
export interface Recommender {
  readonly kind: RecommendationKind;
  evaluate(traffic: ProjectTraffic, policy: RecommenderPolicy): RecommendationFindings[];
}
