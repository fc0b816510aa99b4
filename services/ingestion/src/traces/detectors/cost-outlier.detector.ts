import { Decimal } from 'decimal.js';
import type { TraceFlagData } from '@llmlab/contracts';
import type { DetectorThresholds } from './detector-thresholds';
import { type EvaluatedTrace, type TraceDetector } from './trace-detector';

/**
 * `cost_outlier`: the trace cost more than median + k·MAD (median absolute deviation) of the project's evaluated
 * traces of the same name over the trailing window, and at least `costOutlierMinRatio` × the median, with at least
 * `costOutlierMinSamples` of them. The median and MAD resist the outliers they look for; the ratio keeps a name
 * whose traces all cost the same (MAD zero) from flagging a cent more. Exact decimals throughout.
 */
export class CostOutlierDetector implements TraceDetector {
  readonly type = 'cost_outlier' as const;

  constructor(private readonly thresholds: DetectorThresholds) {}

  detect(trace: EvaluatedTrace): TraceFlagData | null {
    if (trace.name === null || trace.costHistory.length < this.thresholds.costOutlierMinSamples) return null;
    const cost = new Decimal(trace.cost);
    const history = trace.costHistory.map((c) => new Decimal(c));
    const median = medianOf(history);
    const mad = medianOf(history.map((c) => c.minus(median).abs()));
    const threshold = Decimal.max(
      median.plus(mad.times(this.thresholds.costOutlierMadFactor)),
      median.times(this.thresholds.costOutlierMinRatio),
    );
    if (cost.lte(threshold) || cost.isZero()) return null;
    const spanIds = [...trace.modelCalls]
      .filter((c) => c.spanId && c.cost !== null && !new Decimal(c.cost).isZero())
      .sort((a, b) => new Decimal(b.cost ?? 0).comparedTo(new Decimal(a.cost ?? 0)))
      .map((c) => c.spanId as string);
    return {
      type: this.type,
      spanIds,
      summary: `The trace cost ${cost.toFixed()} against a median of ${median.toFixed()} over ${history.length} traces named ${trace.name} (threshold ${threshold.toFixed()}).`,
      figures: {
        cost: cost.toFixed(),
        median: median.toFixed(),
        mad: mad.toFixed(),
        threshold: threshold.toFixed(),
        samples: history.length,
        windowDays: this.thresholds.costOutlierWindowDays,
      },
    };
  }
}

function medianOf(values: readonly Decimal[]): Decimal {
  const sorted = [...values].sort((a, b) => a.comparedTo(b));
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : sorted[middle - 1].plus(sorted[middle]).dividedBy(2);
}
