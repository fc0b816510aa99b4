import type { TraceFlagData } from '@llmlab/contracts';
import type { DetectorThresholds } from './detector-thresholds';
import { inStartOrder, type EvaluatedModelCall, type EvaluatedTrace, type TraceDetector } from './trace-detector';

/**
 * `runaway_context`: `runawayMinCalls` successive model calls of the trace (in call order) whose input tokens
 * strictly increase, the last having at least `runawayGrowthFactor` × the first's: a context that is appended to
 * and never trimmed.
 */
export class RunawayContextDetector implements TraceDetector {
  readonly type = 'runaway_context' as const;

  constructor(private readonly thresholds: DetectorThresholds) {}

  detect(trace: EvaluatedTrace): TraceFlagData | null {
    const calls = [...trace.modelCalls].filter((c) => c.inputTokens > 0).sort((a, b) => a.occurredAtMs - b.occurredAtMs);
    let best: EvaluatedModelCall[] = [];
    let run: EvaluatedModelCall[] = [];
    for (const call of calls) {
      const previous = run.at(-1);
      run = previous && call.inputTokens > previous.inputTokens ? [...run, call] : [call];
      if (run.length > best.length) best = run;
    }
    if (best.length < this.thresholds.runawayMinCalls) return null;
    const first = best[0].inputTokens;
    const last = best[best.length - 1].inputTokens;
    if (last < first * this.thresholds.runawayGrowthFactor) return null;
    return {
      type: this.type,
      spanIds: inStartOrder(
        trace,
        best.flatMap((c) => (c.spanId ? [c.spanId] : [])),
      ),
      summary: `Input tokens grew over ${best.length} successive model calls, from ${first} to ${last} (×${(last / first).toFixed(1)}).`,
      figures: {
        calls: best.length,
        firstInputTokens: first,
        lastInputTokens: last,
        minCalls: this.thresholds.runawayMinCalls,
        growthFactor: this.thresholds.runawayGrowthFactor,
      },
    };
  }
}
