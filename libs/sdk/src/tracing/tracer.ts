import { currentContext } from '../context';
import {
  activeSpan,
  nowUnixNano,
  runInSpan,
  type ActiveSpan,
  type SpanAttribute,
  type SpanRecord,
  type SpanSink,
  type TracedSpanCategory,
} from './active-span';
import { newSpanId, newTraceId } from './ids';

export interface SpanOptions {
  /** What the span does: `agent`, `tool`, `retrieval`... Sent as `gen_ai.operation.name` where GenAI names one. */
  category?: TracedSpanCategory;
  attributes?: Record<string, SpanAttribute>;
  /** Merged over the trace's tags, key by key. */
  tags?: Record<string, string>;
}

export interface TraceOptions extends SpanOptions {
  sessionId?: string;
  userId?: string;
}

/** GenAI's `gen_ai.operation.name` for the categories it has a name for. */
const GEN_AI_OPERATIONS: Partial<Record<TracedSpanCategory, string>> = {
  agent: 'invoke_agent',
  tool: 'execute_tool',
  llm: 'chat',
  embedding: 'embeddings',
};

/** Starts a root span of a new trace and runs `fn` in it. */
export function startTrace<R>(sink: SpanSink, name: string, fn: () => R, options: TraceOptions = {}): R {
  const context = currentContext();
  const record = newRecord(name, newTraceId(), undefined, options);
  record.sessionId = options.sessionId ?? context.sessionId;
  record.userId = options.userId ?? context.userId;
  record.tags = { ...context.tags, ...options.tags };
  return runSpan({ record, sink }, fn);
}

/**
 * Runs `fn` in a child of the current span. Outside any trace it starts one when given a sink (the client's
 * `span()`), and otherwise runs `fn` as it is: there is nowhere to send a span.
 */
export function startSpan<R>(name: string, fn: () => R, options: SpanOptions = {}, sink?: SpanSink): R {
  const parent = activeSpan();
  if (!parent) return sink ? startTrace(sink, name, fn, options) : fn();
  const record = newRecord(name, parent.record.traceId, parent.record.spanId, options);
  record.sessionId = parent.record.sessionId;
  record.userId = parent.record.userId;
  record.tags = { ...parent.record.tags, ...options.tags };
  return runSpan({ record, sink: parent.sink }, fn);
}

function newRecord(name: string, traceId: string, parentSpanId: string | undefined, options: SpanOptions): SpanRecord {
  const attributes: Record<string, SpanAttribute> = { ...options.attributes };
  const operation = options.category && GEN_AI_OPERATIONS[options.category];
  if (operation && attributes['gen_ai.operation.name'] === undefined) attributes['gen_ai.operation.name'] = operation;
  if (options.category) attributes['llmlab.span.category'] = options.category;
  return {
    traceId,
    spanId: newSpanId(),
    parentSpanId,
    name,
    category: options.category,
    startTimeUnixNano: nowUnixNano(),
    status: 'unset',
    tags: {},
    attributes,
    events: [],
  };
}

/**
 * Runs `fn` in `span` and ends the span when `fn` returns, or when the promise it returned settles. A thrown
 * error or a rejection marks the span failed, adds an `exception` event, and goes back to the caller unchanged.
 */
function runSpan<R>(span: ActiveSpan, fn: () => R): R {
  let result: R;
  try {
    result = runInSpan(span, fn);
  } catch (error) {
    fail(span.record, error);
    end(span);
    throw error;
  }
  if (isPromiseLike(result)) {
    return result.then(
      (value) => {
        end(span);
        return value;
      },
      (error: unknown) => {
        fail(span.record, error);
        end(span);
        throw error;
      },
    ) as R;
  }
  end(span);
  return result;
}

function end(span: ActiveSpan): void {
  span.record.endTimeUnixNano = nowUnixNano();
  if (span.record.status === 'unset') span.record.status = 'ok';
  span.sink.end(span.record);
}

function fail(record: SpanRecord, error: unknown): void {
  const { type, message, stack } = describe(error);
  record.status = 'error';
  record.statusMessage = message;
  const attributes: Record<string, SpanAttribute> = { 'exception.type': type, 'exception.message': message };
  if (stack) attributes['exception.stacktrace'] = stack;
  record.events.push({ name: 'exception', timeUnixNano: nowUnixNano(), attributes });
}

function describe(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error, message: String(error) };
}

function isPromiseLike<R>(value: R): value is R & PromiseLike<Awaited<R>> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

type Method = (this: unknown, ...args: never[]) => unknown;

/**
 * A method decorator: each call runs in a span named `name` (default `Class.method`). Works with both the
 * legacy decorators this repository compiles with (`experimentalDecorators`) and TC39 standard decorators.
 * `start` is how the span begins: a child of the current span, or a new trace when there is none.
 */
export function tracedDecorator(
  start: <R>(name: string, fn: () => R, options?: SpanOptions) => R,
  name: string | undefined,
  options: SpanOptions | undefined,
) {
  function wrap(original: Method, spanName: string): Method {
    return function (this: unknown, ...args: never[]) {
      return start(spanName, () => original.apply(this, args), options);
    };
  }
  function decorator(target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
  function decorator(value: Method, context: ClassMethodDecoratorContext): Method;
  function decorator(
    targetOrValue: object,
    keyOrContext: string | symbol | ClassMethodDecoratorContext,
    descriptor?: PropertyDescriptor,
  ): PropertyDescriptor | Method {
    if (typeof keyOrContext === 'object') {
      return wrap(targetOrValue as Method, name ?? String(keyOrContext.name));
    }
    const owner = typeof targetOrValue === 'function' ? targetOrValue.name : targetOrValue.constructor.name;
    const original = descriptor!.value as Method;
    return { ...descriptor, value: wrap(original, name ?? `${owner}.${String(keyOrContext)}`) };
  }
  return decorator;
}

/** `span()` for code that has no client at hand: a child of the current span, or `fn` alone outside a trace. */
export function span<R>(name: string, fn: () => R, options?: SpanOptions): R {
  return startSpan(name, fn, options);
}

/** `@traced()` for code that has no client at hand: spans only inside a trace a client started. */
export function traced(name?: string, options?: SpanOptions) {
  return tracedDecorator(startSpan, name, options);
}
