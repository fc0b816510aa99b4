import { AsyncLocalStorage } from 'node:async_hooks';
import type { LLMLabContext } from '../context';
import { newSpanId } from './ids';

export type SpanAttribute = string | number | boolean | readonly string[] | readonly number[] | readonly boolean[];

/** What a span does; the platform reads it from `gen_ai.operation.name` and related attributes. */
export type TracedSpanCategory = 'agent' | 'tool' | 'retrieval' | 'llm' | 'embedding' | 'http' | 'other';

export interface SpanEventRecord {
  name: string;
  timeUnixNano: bigint;
  attributes: Record<string, SpanAttribute>;
}

/** One span while it runs and after it ended, until the exporter has sent it. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  category?: TracedSpanCategory;
  startTimeUnixNano: bigint;
  endTimeUnixNano?: bigint;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  sessionId?: string;
  userId?: string;
  tags: Record<string, string>;
  attributes: Record<string, SpanAttribute>;
  events: SpanEventRecord[];
}

/** Where an ended span goes; the LLMLab client that started the trace. */
export interface SpanSink {
  end(span: SpanRecord): void;
}

export interface ActiveSpan {
  record: SpanRecord;
  sink: SpanSink;
}

const storage = new AsyncLocalStorage<ActiveSpan>();

export function activeSpan(): ActiveSpan | undefined {
  return storage.getStore();
}

export function runInSpan<R>(span: ActiveSpan, fn: () => R): R {
  return storage.run(span, fn);
}

/** Wall clock in nanoseconds: `Date.now()` anchors it, `process.hrtime` gives the sub-millisecond part. */
const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
export function nowUnixNano(): bigint {
  return anchorNs + process.hrtime.bigint();
}

/**
 * The attribution of a model call or a recorded event made now. Inside a trace the call becomes a child of
 * the current span: the trace's id, a span id of its own, the current span as parent, and the trace's
 * session, user and tags under whatever `withContext` said. Outside any trace, `context` as it is.
 */
export function callContext(context: LLMLabContext): LLMLabContext {
  const span = activeSpan()?.record;
  if (!span) return context;
  return {
    ...context,
    tags: { ...span.tags, ...context.tags },
    userId: context.userId ?? span.userId,
    traceId: span.traceId,
    spanId: newSpanId(),
    parentSpanId: span.spanId,
    sessionId: context.sessionId ?? span.sessionId,
  };
}
