import type { IngestionConfig } from '../../ingestion.config';

/** Thresholds of the detectors, from the `TRACE_*` variables of `ingestion.config.ts` (docs/traces.md). */
export interface DetectorThresholds {
  /** retry_storm: calls of one model under one parent span, each within `retryWindowMs` of the previous. */
  readonly retryMinCalls: number;
  readonly retryWindowMs: number;
  /** tool_loop: calls of one tool with the same arguments in a trace. */
  readonly toolLoopMinCalls: number;
  /** timeout: a model call (or its span) lasting longer than this. */
  readonly modelCallMaxMs: number;
  /** cost_outlier: the trace's cost above median + k·MAD and above median × ratio, with this many samples. */
  readonly costOutlierMinSamples: number;
  readonly costOutlierMadFactor: number;
  readonly costOutlierMinRatio: number;
  readonly costOutlierWindowDays: number;
  /** runaway_context: strictly increasing input tokens over this many successive calls, last/first ≥ factor. */
  readonly runawayMinCalls: number;
  readonly runawayGrowthFactor: number;
}

/** The thresholds the service's configuration names. */
export function detectorThresholds(config: IngestionConfig): DetectorThresholds {
  return {
    retryMinCalls: config.TRACE_RETRY_MIN_CALLS,
    retryWindowMs: config.TRACE_RETRY_WINDOW_MS,
    toolLoopMinCalls: config.TRACE_TOOL_LOOP_MIN_CALLS,
    modelCallMaxMs: config.TRACE_MODEL_CALL_MAX_MS,
    costOutlierMinSamples: config.TRACE_COST_OUTLIER_MIN_SAMPLES,
    costOutlierMadFactor: config.TRACE_COST_OUTLIER_MAD_FACTOR,
    costOutlierMinRatio: config.TRACE_COST_OUTLIER_MIN_RATIO,
    costOutlierWindowDays: config.TRACE_COST_OUTLIER_WINDOW_DAYS,
    runawayMinCalls: config.TRACE_RUNAWAY_MIN_CALLS,
    runawayGrowthFactor: config.TRACE_RUNAWAY_GROWTH_FACTOR,
  };
}
