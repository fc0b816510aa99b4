import type { TraceFlagData } from '@llmlab/contracts';
import { CostOutlierDetector } from './cost-outlier.detector';
import type { DetectorThresholds } from './detector-thresholds';
import { ErrorDetector } from './error.detector';
import { RetryStormDetector } from './retry-storm.detector';
import { RunawayContextDetector } from './runaway-context.detector';
import { TimeoutDetector } from './timeout.detector';
import { ToolLoopDetector } from './tool-loop.detector';
import type { EvaluatedTrace, TraceDetector } from './trace-detector';

/** Every detector, in the order their flags are listed. A new detector is a class here and a flag type in contracts. */
export class TraceDetectorRegistry {
  readonly detectors: readonly TraceDetector[];

  constructor(thresholds: DetectorThresholds) {
    this.detectors = [
      new ErrorDetector(),
      new RetryStormDetector(thresholds),
      new ToolLoopDetector(thresholds),
      new TimeoutDetector(thresholds),
      new CostOutlierDetector(thresholds),
      new RunawayContextDetector(thresholds),
    ];
  }

  evaluate(trace: EvaluatedTrace): TraceFlagData[] {
    return this.detectors.flatMap((d) => d.detect(trace) ?? []);
  }
}
