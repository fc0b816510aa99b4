import type { TraceFlagData } from '@llmlab/contracts';
import { inStartOrder, type EvaluatedTrace, type TraceDetector } from './trace-detector';

/** `error`: spans of status error and failed model calls (a call without a span of its own counts, unnamed). */
export class ErrorDetector implements TraceDetector {
  readonly type = 'error' as const;

  detect(trace: EvaluatedTrace): TraceFlagData | null {
    const errorSpans = trace.spans.filter((s) => s.status === 'error');
    const failedCalls = trace.modelCalls.filter((c) => c.status === 'error');
    if (errorSpans.length === 0 && failedCalls.length === 0) return null;
    const spanIds = inStartOrder(trace, [...errorSpans.map((s) => s.spanId), ...failedCalls.flatMap((c) => (c.spanId ? [c.spanId] : []))]);
    return {
      type: this.type,
      spanIds,
      summary: `${errorSpans.length} span(s) ended in error and ${failedCalls.length} model call(s) failed.`,
      figures: { errorSpans: errorSpans.length, failedModelCalls: failedCalls.length },
    };
  }
}
