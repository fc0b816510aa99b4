import { AsyncLocalStorage } from 'node:async_hooks';

/** Attribution for the calls made inside a `withContext` callback. */
export interface LLMLabContext {
  tags?: Record<string, string>;
  userId?: string;
  traceId?: string;
  spanId?: string;
  /** The span a call is a child of; set by `trace()`/`span()` for calls made inside them. */
  parentSpanId?: string;
  /** Groups traces of one conversation (`session.id`). */
  sessionId?: string;
  metadata?: Record<string, unknown>;
}

const storage = new AsyncLocalStorage<LLMLabContext>();

/**
 * Runs `fn` with `context` attached to every usage event recorded inside it, across awaits and callbacks.
 * Nested calls merge: inner tags and metadata override outer keys, inner ids replace outer ids.
 */
export function withContext<R>(context: LLMLabContext, fn: () => R): R {
  return storage.run(mergeContext(currentContext(), context), fn);
}

export function currentContext(): LLMLabContext {
  return storage.getStore() ?? {};
}

export function mergeContext(outer: LLMLabContext, inner: LLMLabContext): LLMLabContext {
  return {
    tags: { ...outer.tags, ...inner.tags },
    userId: inner.userId ?? outer.userId,
    traceId: inner.traceId ?? outer.traceId,
    spanId: inner.spanId ?? outer.spanId,
    parentSpanId: inner.parentSpanId ?? outer.parentSpanId,
    sessionId: inner.sessionId ?? outer.sessionId,
    metadata: { ...outer.metadata, ...inner.metadata },
  };
}
