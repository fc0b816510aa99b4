import type { TraceFlagData } from '@llmlab/contracts';
import type { DetectorThresholds } from './detector-thresholds';
import { inStartOrder, type EvaluatedModelCall, type EvaluatedTrace, type TraceDetector } from './trace-detector';

/**
 * `retry_storm`: at least `retryMinCalls` model calls of the same model under the same parent span, each made
 * within `retryWindowMs` of the previous one, and at least one of them failed. Calls a trace makes on purpose
 * (a map over documents) all succeed; a retry loop is what follows a failure.
 */
export class RetryStormDetector implements TraceDetector {
  readonly type = 'retry_storm' as const;

  constructor(private readonly thresholds: DetectorThresholds) {}

  detect(trace: EvaluatedTrace): TraceFlagData | null {
    const groups = new Map<string, EvaluatedModelCall[]>();
    for (const call of trace.modelCalls) {
      const key = `${call.model}\u0000${call.parentSpanId ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), call]);
    }
    let worst: EvaluatedModelCall[] | null = null;
    for (const calls of groups.values()) {
      calls.sort((a, b) => a.occurredAtMs - b.occurredAtMs);
      let run: EvaluatedModelCall[] = [];
      for (const call of calls) {
        const previous = run.at(-1);
        run = previous && call.occurredAtMs - previous.occurredAtMs <= this.thresholds.retryWindowMs ? [...run, call] : [call];
        const storm = run.length >= this.thresholds.retryMinCalls && run.some((c) => c.status === 'error');
        if (storm && (!worst || run.length > worst.length)) worst = run;
      }
    }
    if (!worst) return null;
    const failed = worst.filter((c) => c.status === 'error').length;
    return {
      type: this.type,
      spanIds: inStartOrder(
        trace,
        worst.flatMap((c) => (c.spanId ? [c.spanId] : [])),
      ),
      summary: `${worst.length} calls of ${worst[0].model} under one parent span within ${this.thresholds.retryWindowMs} ms of each other, ${failed} failed.`,
      figures: {
        model: worst[0].model,
        calls: worst.length,
        failedCalls: failed,
        minCalls: this.thresholds.retryMinCalls,
        windowMs: this.thresholds.retryWindowMs,
      },
    };
  }
}
