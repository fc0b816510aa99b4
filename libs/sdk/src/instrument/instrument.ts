import { currentContext, type LLMLabContext } from '../context';
import { LLMLabError } from '../errors';
import { callContext as traceCallContext } from '../tracing/active-span';
import type { EventSink } from '../event-sink';
import { anthropicOperations } from './anthropic.operations';
import { InstrumentedCall } from './instrumented-call';
import { asRecord, asString, type InstrumentOptions, type OperationSpec, type StreamCollector } from './operation';
import { openAIOperations } from './openai.operations';
import { fingerprintPrefix } from './prompt-prefix';
import { observeStream, type StreamObserver } from './stream-observer';

/** The clients' `APIPromise`: lazily parsed, with `asResponse()` and `_thenUnwrap()`. */
interface APIPromiseLike {
  asResponse(): Promise<unknown>;
  _thenUnwrap(transform: (data: unknown, props: unknown) => unknown): unknown;
}

interface StartedCall {
  params: Record<string, unknown>;
  hideUsageChunk: boolean;
  recorder: InstrumentedCall;
  stream: boolean;
}

/** Our wrappers, so that instrumenting a client twice records each call once. */
const wrappers = new WeakSet<object>();

export function instrumentClient<T extends object>(client: T, sink: EventSink, options: InstrumentOptions = {}): T {
  try {
    const targets = operationsOf(client).flatMap((spec) => {
      const resource = resolve(client, spec.path);
      return resource && typeof resource.create === 'function' ? [{ spec, resource }] : [];
    });
    if (targets.length === 0) {
      sink.report(new LLMLabError('instrumentation', 'instrument() found no OpenAI or Anthropic client here; it was left as it is'));
    }
    for (const { spec, resource } of targets) patch(resource, spec, sink, options);
  } catch (cause) {
    sink.report(new LLMLabError('instrumentation', 'instrument() could not patch this client', { cause }));
  }
  return client;
}

function operationsOf(client: object): readonly OperationSpec[] {
  if (resolve(client, ['chat', 'completions'])) return openAIOperations;
  if (resolve(client, ['messages'])) return anthropicOperations;
  return [];
}

function resolve(root: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let node = asRecord(root);
  for (const key of path) node = asRecord(node?.[key]);
  return node;
}

/**
 * Replaces `create` on the resource instance. Patching the instance rather than wrapping the client in a
 * proxy keeps the client's type and identity, and also covers the helpers built on `create`
 * (`chat.completions.stream()` and `.parse()`, `responses.stream()`, `messages.stream()`).
 */
function patch(resource: Record<string, unknown>, spec: OperationSpec, sink: EventSink, options: InstrumentOptions): void {
  const original = resource.create as (...args: unknown[]) => unknown;
  if (wrappers.has(original)) return;
  const create = function (this: unknown, ...args: unknown[]): unknown {
    const call = begin(args[0], spec, sink, options);
    if (!call) return original.apply(this, args);
    args[0] = call.params;
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      call.recorder.fail(error);
      throw error;
    }
    return observe(result, call, spec, sink);
  };
  wrappers.add(create);
  resource.create = create;
}

function begin(params: unknown, spec: OperationSpec, sink: EventSink, options: InstrumentOptions): StartedCall | undefined {
  try {
    const request = asRecord(params);
    // Arguments the client itself will refuse are left for it to refuse.
    if (!request) return undefined;
    const prepared = spec.prepare?.(request, options) ?? { params: request, hideUsageChunk: false };
    // Inside a trace the call is a child of the current span (its own span id, the trace's session and user).
    const context = traceCallContext(currentContext());
    const callContext: LLMLabContext = {
      tags: { ...options.tags, ...context.tags },
      userId: context.userId ?? spec.requestUserId?.(request) ?? options.userId,
      traceId: context.traceId,
      spanId: context.spanId,
      parentSpanId: context.parentSpanId,
      sessionId: context.sessionId,
      metadata: { ...options.metadata, ...context.metadata },
    };
    const stream = request.stream === true;
    const recorder = new InstrumentedCall(
      sink,
      {
        provider: options.provider ?? spec.provider,
        operation: spec.operation,
        requestedModel: asString(request.model) ?? 'unknown',
        stream,
        promptPrefix: spec.prefixParts ? fingerprintPrefix(spec.prefixParts(request)) : undefined,
      },
      callContext,
    );
    return { ...prepared, recorder, stream };
  } catch (cause) {
    sink.report(new LLMLabError('instrumentation', `could not start observing a ${spec.operation} call`, { cause }));
    return undefined;
  }
}

/**
 * Observes without consuming. Failures are seen through `asResponse()`, which reads no body. Success is
 * seen through `_thenUnwrap()`, which hands back a genuine `APIPromise` that parses only when the caller
 * awaits it: `withResponse()`, `asResponse()` and the clients' helpers keep working as before.
 */
function observe(result: unknown, call: StartedCall, spec: OperationSpec, sink: EventSink): unknown {
  try {
    if (!isAPIPromise(result)) {
      sink.report(new LLMLabError('instrumentation', `${spec.operation} returned something other than an APIPromise; not recorded`));
      return result;
    }
    result.asResponse().then(undefined, (error: unknown) => call.recorder.fail(error));
    return result._thenUnwrap((data, props) => receive(data, props, call, spec, sink));
  } catch (cause) {
    sink.report(new LLMLabError('instrumentation', `could not observe a ${spec.operation} call`, { cause }));
    return result;
  }
}

function receive(data: unknown, props: unknown, call: StartedCall, spec: OperationSpec, sink: EventSink): unknown {
  try {
    const headers = asRecord(asRecord(props)?.response)?.headers as { get(name: string): string | null } | undefined;
    call.recorder.responded(headers);
    const collector = call.stream ? spec.collectStream?.(call.hideUsageChunk) : undefined;
    const stream = asRecord(data);
    // Anything that is not an iterable stream is read as a whole result.
    if (collector && stream && observeStream(stream, streamObserver(call.recorder, collector, stream, sink))) {
      return data;
    }
    call.recorder.succeed(spec.readResult(data));
  } catch (cause) {
    sink.report(new LLMLabError('instrumentation', `could not read a ${spec.operation} result`, { cause }));
  }
  return data;
}

function streamObserver(
  recorder: InstrumentedCall,
  collector: StreamCollector,
  stream: Record<string, unknown>,
  sink: EventSink,
): StreamObserver<unknown> {
  let broken = false;
  const guard = <R>(fn: () => R, fallback: R): R => {
    if (broken) return fallback;
    try {
      return fn();
    } catch (cause) {
      broken = true;
      sink.report(new LLMLabError('instrumentation', 'could not read a streamed item', { cause }));
      return fallback;
    }
  };
  const aborted = () => asRecord(asRecord(stream.controller)?.signal)?.aborted === true;
  return {
    item(value: unknown) {
      recorder.itemArrived();
      guard(() => collector.observe(value), undefined);
    },
    hides: (value: unknown) => guard(() => collector.hides(value), false),
    end: () =>
      recorder.succeed(
        guard(() => collector.outcome(), {}),
        aborted() ? { streamAborted: true } : {},
      ),
    fail: (error: unknown) =>
      recorder.fail(
        error,
        guard(() => collector.outcome(), {}),
      ),
    abandon: () =>
      recorder.succeed(
        guard(() => collector.outcome(), {}),
        { streamAborted: true },
      ),
  };
}

function isAPIPromise(value: unknown): value is APIPromiseLike {
  const candidate = asRecord(value);
  return typeof candidate?.asResponse === 'function' && typeof candidate._thenUnwrap === 'function';
}
