import type { SpanAttributeValue, TraceFlagData } from '@llmlab/contracts';
import type { DetectorThresholds } from './detector-thresholds';
import { inStartOrder, type EvaluatedSpan, type EvaluatedTrace, type TraceDetector } from './trace-detector';

const TIMEOUT_TEXT = /time[d\s_-]?out|deadline/i;
const TIMEOUT_HTTP_STATUS = new Set(['408', '504']);

/**
 * `timeout`: spans whose error says timeout (`error.type`, an exception event's `exception.type` or message, the
 * status message, matching timeout/deadline; HTTP 408 or 504), model calls whose error type says so, and model
 * calls (or their spans) lasting longer than `modelCallMaxMs`.
 */
export class TimeoutDetector implements TraceDetector {
  readonly type = 'timeout' as const;

  constructor(private readonly thresholds: DetectorThresholds) {}

  detect(trace: EvaluatedTrace): TraceFlagData | null {
    const max = this.thresholds.modelCallMaxMs;
    const timedOut = new Set<string>();
    let slowCalls = 0;
    let errorTimeouts = 0;
    for (const span of trace.spans) {
      if (saysTimeout(span)) {
        errorTimeouts += 1;
        timedOut.add(span.spanId);
      } else if (span.category === 'llm' && span.endMs - span.startMs > max) {
        slowCalls += 1;
        timedOut.add(span.spanId);
      }
    }
    const callsWithoutSpan = trace.modelCalls.filter((c) => !c.spanId || !trace.spans.some((s) => s.spanId === c.spanId));
    for (const call of callsWithoutSpan) {
      if (call.errorType && TIMEOUT_TEXT.test(call.errorType)) errorTimeouts += 1;
      else if (call.latencyMs !== null && call.latencyMs > max) slowCalls += 1;
      else continue;
      if (call.spanId) timedOut.add(call.spanId);
    }
    if (errorTimeouts + slowCalls === 0) return null;
    return {
      type: this.type,
      spanIds: inStartOrder(trace, timedOut),
      summary: `${errorTimeouts} call(s) timed out and ${slowCalls} model call(s) took longer than ${max} ms.`,
      figures: { timedOut: errorTimeouts, slowModelCalls: slowCalls, modelCallMaxMs: max },
    };
  }
}

function saysTimeout(span: EvaluatedSpan): boolean {
  const status = span.attributes['http.response.status_code'] ?? span.attributes['http.status_code'];
  if (status !== undefined && TIMEOUT_HTTP_STATUS.has(String(status))) return true;
  if (span.status !== 'error') return false;
  const texts: (SpanAttributeValue | undefined)[] = [
    span.attributes['error.type'],
    span.statusMessage ?? undefined,
    ...span.events
      .filter((e) => e.name === 'exception')
      .flatMap((e) => [e.attributes['exception.type'], e.attributes['exception.message']]),
  ];
  return texts.some((t) => typeof t === 'string' && TIMEOUT_TEXT.test(t));
}
