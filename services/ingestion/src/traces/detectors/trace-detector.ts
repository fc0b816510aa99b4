import type { SpanAttributeValue, SpanCategory, SpanEventData, SpanStatus, TraceFlagData, TraceFlagType } from '@llmlab/contracts';

/** A span as the detectors read it from `trace_spans`. */
export interface EvaluatedSpan {
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly category: SpanCategory;
  readonly startMs: number;
  readonly endMs: number;
  readonly status: SpanStatus;
  readonly statusMessage: string | null;
  readonly model: string | null;
  readonly toolName: string | null;
  readonly toolArgumentsHash: string | null;
  readonly attributes: Readonly<Record<string, SpanAttributeValue>>;
  readonly events: readonly SpanEventData[];
}

/** A counted usage record of the trace (a model call), with the parent of its span when the span is known. */
export interface EvaluatedModelCall {
  readonly eventId: string;
  readonly spanId: string | null;
  readonly parentSpanId: string | null;
  readonly model: string;
  readonly occurredAtMs: number;
  readonly status: 'success' | 'error';
  readonly errorType: string | null;
  /** Null when the sender gave none. */
  readonly latencyMs: number | null;
  readonly inputTokens: number;
  /** Decimal string; null when unpriced. */
  readonly cost: string | null;
}

/** One completed trace and what the cost detector compares it with. */
export interface EvaluatedTrace {
  readonly traceId: string;
  readonly name: string | null;
  readonly spans: readonly EvaluatedSpan[];
  readonly modelCalls: readonly EvaluatedModelCall[];
  /** Decimal string: the trace's cost. */
  readonly cost: string;
  /** Costs (decimal strings) of the project's evaluated traces of the same name over the trailing window. */
  readonly costHistory: readonly string[];
}

/** A plugin of failure detection: pure, one flag type, null when the trace is fine. */
export interface TraceDetector {
  readonly type: TraceFlagType;
  detect(trace: EvaluatedTrace): TraceFlagData | null;
}

/** The spans' ids in start order, each once. */
export function inStartOrder(trace: EvaluatedTrace, spanIds: Iterable<string>): string[] {
  const wanted = new Set(spanIds);
  return [...trace.spans]
    .filter((s) => wanted.has(s.spanId))
    .sort((a, b) => a.startMs - b.startMs || a.spanId.localeCompare(b.spanId))
    .map((s) => s.spanId)
    .concat([...wanted].filter((id) => !trace.spans.some((s) => s.spanId === id)));
}
