import type { RecommendationFindings, RecommendationKind, UsageCounts } from '@llmlab/contracts';
import type { ModelEquivalenceTable } from '@llmlab/pricing';

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
  /** Calls tagged `latency: batch` by their sender. */
  batchTagged: number;
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
  /** The organization's right-sizing table (the repository's with its own lines). */
  equivalence: ModelEquivalenceTable;
}

/** A call to price (at catalog and organization prices): the traffic as observed, or as it would be after a change. */
export interface QuoteCall {
  provider: string;
  model: string;
  /** The instant whose prices apply. */
  at: string;
  usage: UsageCounts;
}

/**
 * What a recommender found on one scope, with how its money is known: from figures it observed (`observed`, a
 * decimal string over the window), by repricing the observed traffic before and after the change (`reprice`: the
 * savings are the difference), as a provider's published discount on the traffic priced as it is (`discount`), or
 * not at all (`none`). The evaluator prices, scales to a month and drops what
 * saves too little.
 */
export interface Proposal {
  findings: Omit<RecommendationFindings, 'estimatedMonthlySavings'>;
  savings:
    | { kind: 'observed'; amount: string }
    | { kind: 'reprice'; current: QuoteCall[]; changed: QuoteCall[] }
    /** The calls priced as they are, times a documented discount share (the providers' batch APIs). */
    | { kind: 'discount'; calls: QuoteCall[]; share: string }
    | { kind: 'none' };
}

/**
 * One kind of advice: reads a project's traffic over the window and proposes, at most once per scope, a change.
 * Pure: no clock, no I/O; prices are the evaluator's to ask for.
 */
export interface Recommender {
  readonly kind: RecommendationKind;
  propose(traffic: ProjectTraffic): Proposal[];
}
