import { currentContext, type LLMLabContext } from './context';
import { LLMLabError } from './errors';
import type { EventSink } from './event-sink';
import { instrumentClient } from './instrument/instrument';
import type { InstrumentOptions } from './instrument/operation';
import { isRetryableStatus, retryDelayMs, type RetryPolicy } from './retry.policy';
import { buildEvent, type UsageEvent, type UsageEventInput } from './usage-event';
import { FetchUsageTransport, type UsageTransport, type UsageTransportResponse } from './usage.transport';
import { callContext } from './tracing/active-span';
import { FetchSpanTransport, SpanExporter, type SpanTransport } from './tracing/span.exporter';
import { startSpan, startTrace, tracedDecorator, type SpanOptions, type TraceOptions } from './tracing/tracer';
import { SDK_VERSION } from './version';

export interface LLMLabOptions {
  /** An LLMLab API key with the `ingest` scope; its project receives the events. */
  apiKey: string;
  /** The platform's public address, e.g. `https://llmlab.example.com`. */
  baseUrl: string;
  /** How often queued events are sent in the background. Default 1000. */
  flushIntervalMs?: number;
  /** Events per request, at most 1000 (the ingest API's limit). Default 100. */
  maxBatchSize?: number;
  /** Events waiting to be sent; beyond it the oldest are dropped. Default 10000. */
  maxQueueSize?: number;
  /** Further attempts after the first for a batch that met a network error, 408, 429 or 5xx. Default 5. */
  maxRetries?: number;
  /** Backoff ceiling of the first retry; it doubles each retry. Default 500. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts, `Retry-After` included. Default 30000. */
  retryMaxDelayMs?: number;
  /** Per-request timeout. Default 10000. */
  requestTimeoutMs?: number;
  /** How long `shutdown()` may take to deliver what is queued. Default 10000. */
  shutdownTimeoutMs?: number;
  /** Run `shutdown()` when Node is about to exit on an empty event loop (`beforeExit`). Default true. */
  flushOnExit?: boolean;
  /** Told about every event that could not be delivered, and why. Default: a `console.warn` line. */
  onError?: (error: LLMLabError) => void;
  /** Tags put on every event; context and event tags override them key by key. */
  defaultTags?: Record<string, string>;
  /** Replaces the built-in `fetch` transport (`apiKey` and `baseUrl` are then unused). */
  transport?: UsageTransport;
  /** Resource `service.name` of the spans `trace()` and `span()` export. Default `unknown_service:node`. */
  serviceName?: string;
  /** Replaces the built-in `fetch` transport of spans to `POST /v1/otlp/v1/traces`. */
  spanTransport?: SpanTransport;
}

export interface LLMLabStats {
  /** Waiting to be sent. */
  queued: number;
  /** In the batch being sent right now. */
  inFlight: number;
  /** Accepted by the platform (duplicates of earlier deliveries included). */
  sent: number;
  /** Given up on: rejected by the platform, or out of retries. */
  failed: number;
  /** Never attempted or abandoned: queue overflow, invalid or oversized, recorded after shutdown, shutdown deadline. */
  dropped: number;
}

export type LLMLabSpanStats = Omit<LLMLabStats, 'inFlight'>;

/** The ingest API's limit on events per request. */
export const MAX_BATCH_SIZE = 1000;
/** The ingest API refuses bodies over 1 MiB; the margin covers the `{"events":[...]}` envelope. */
const MAX_BATCH_BYTES = 1024 * 1024 - 64;

interface Settings {
  flushIntervalMs: number;
  maxBatchSize: number;
  maxQueueSize: number;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
}

interface Queued {
  seq: number;
  event: UsageEvent;
  bytes: number;
}

type Attempt =
  | { outcome: 'delivered'; response: UsageTransportResponse }
  | { outcome: 'retry'; status?: number; retryAfterMs?: number; cause?: unknown }
  | { outcome: 'rejected'; response: UsageTransportResponse }
  | { outcome: 'aborted' };

/**
 * Records usage events and delivers them to LLMLab in the background: batched, retried with backoff, at
 * least once (event ids make redelivery harmless). No method throws or rejects: whatever goes wrong is
 * reported to `onError`.
 */
export class LLMLab {
  private readonly settings: Settings;
  private readonly transport: UsageTransport;
  private readonly onError: (error: LLMLabError) => void;
  private readonly defaultTags: Record<string, string>;
  private readonly sink: EventSink;
  private readonly spans: SpanExporter;
  private readonly queue: Queued[] = [];
  private readonly counters = { sent: 0, failed: 0, dropped: 0 };
  private readonly stop = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly exitHook: (() => void) | undefined;
  private lastSeq = 0;
  private sending: Promise<void> = Promise.resolve();
  private pendingDrains = 0;
  private awaitedFlushes = 0;
  private inFlight = 0;
  private unreportedDrops = 0;
  private closedReported = false;
  private closed = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: LLMLabOptions) {
    this.settings = settingsFrom(options);
    this.transport = options.transport ?? new FetchUsageTransport({ apiKey: options.apiKey, baseUrl: options.baseUrl });
    this.onError = options.onError ?? ((error) => console.warn(`[llmlab] ${error.code}: ${error.message}`));
    this.defaultTags = { ...options.defaultTags };
    this.sink = {
      submit: (input, context) => this.submit(input, context),
      report: (error) => this.report(error),
    };
    this.spans = new SpanExporter(
      options.spanTransport ?? new FetchSpanTransport({ apiKey: options.apiKey, baseUrl: options.baseUrl }),
      { serviceName: options.serviceName ?? 'unknown_service:node', scopeName: '@llmlab/sdk', scopeVersion: SDK_VERSION },
      {
        flushIntervalMs: this.settings.flushIntervalMs,
        maxBatchSize: this.settings.maxBatchSize,
        maxQueueSize: this.settings.maxQueueSize,
        retry: this.settings.retry,
        requestTimeoutMs: this.settings.requestTimeoutMs,
      },
      (error) => this.report(error),
      this.stop.signal,
    );
    this.timer = setInterval(() => {
      if (this.queue.length > 0 && this.pendingDrains === 0) void this.scheduleDrain();
    }, this.settings.flushIntervalMs);
    // Background delivery must never be the reason the host's process stays up.
    this.timer.unref();
    if (options.flushOnExit ?? true) {
      this.exitHook = () => void this.shutdown();
      process.on('beforeExit', this.exitHook);
    }
  }

  /** Queues one event. Never throws; an event that cannot be queued is reported to `onError`. */
  record(event: UsageEventInput): void {
    this.submit(event, callContext(currentContext()));
  }

  /**
   * Runs `fn` as the root span of a new trace and returns what it returns (a promise settles the span when it
   * settles). Model calls of `instrument()`ed clients and `span()`s inside it nest under it. A throw or
   * rejection marks the span failed and reaches the caller unchanged.
   */
  trace<R>(name: string, fn: () => R, options?: TraceOptions): R {
    return startTrace(this.spans, name, fn, options);
  }

  /** Runs `fn` in a child of the current span; outside any trace, as the root of a new one. */
  span<R>(name: string, fn: () => R, options?: SpanOptions): R {
    return startSpan(name, fn, options, this.spans);
  }

  /** A method decorator: every call runs in `span(name ?? 'Class.method', ...)`. */
  traced(name?: string, options?: SpanOptions) {
    return tracedDecorator((spanName, fn, spanOptions) => this.span(spanName, fn, spanOptions), name, options);
  }

  /**
   * Resolves once every event recorded before the call has been delivered or given up on. Never rejects.
   * While it runs, retry waits keep the process alive.
   */
  flush(): Promise<void> {
    this.awaitedFlushes++;
    const usage = this.scheduleDrain().finally(() => {
      this.awaitedFlushes--;
    });
    return Promise.all([usage, this.spans.flush()]).then(() => undefined);
  }

  /**
   * Stops accepting events and delivers what is queued, within `shutdownTimeoutMs`; what is still
   * undelivered at the deadline is dropped and reported. Idempotent; never rejects.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close();
    return this.shutdownPromise;
  }

  /**
   * Records every call made through an `openai` or `@anthropic-ai/sdk` client: patches the client in
   * place and returns it, with its own type.
   */
  instrument<T extends object>(client: T, options?: InstrumentOptions): T {
    return instrumentClient(client, this.sink, options);
  }

  getStats(): LLMLabStats {
    return { queued: this.queue.length, inFlight: this.inFlight, ...this.counters };
  }

  /** The same counts for the spans of `trace()` and `span()`. */
  getSpanStats(): LLMLabSpanStats {
    return { queued: this.spans.queued, ...this.spans.counters };
  }

  private submit(input: UsageEventInput, context: LLMLabContext): void {
    if (this.closed) {
      this.counters.dropped++;
      if (!this.closedReported) {
        this.closedReported = true;
        this.report(new LLMLabError('closed', 'an event was recorded after shutdown() and dropped', { eventCount: 1 }));
      }
      return;
    }
    let event: UsageEvent;
    let bytes: number;
    try {
      event = buildEvent(input, context, this.defaultTags);
      bytes = Buffer.byteLength(JSON.stringify(event));
    } catch (cause) {
      this.counters.dropped++;
      this.report(new LLMLabError('invalid_event', 'an event could not be serialized and was dropped', { eventCount: 1, cause }));
      return;
    }
    if (bytes > MAX_BATCH_BYTES) {
      this.counters.dropped++;
      this.report(
        new LLMLabError('event_too_large', `event ${event.id} is ${bytes} bytes, more than a whole batch may carry`, {
          eventCount: 1,
        }),
      );
      return;
    }
    this.enqueue(event, bytes);
  }

  private enqueue(event: UsageEvent, bytes: number): void {
    if (this.queue.length >= this.settings.maxQueueSize) {
      this.queue.shift();
      this.counters.dropped++;
      // One report per synchronous burst, not one per dropped event.
      if (this.unreportedDrops++ === 0) queueMicrotask(() => this.reportDrops());
    }
    this.queue.push({ seq: ++this.lastSeq, event, bytes });
    if (this.queue.length >= this.settings.maxBatchSize && this.pendingDrains === 0) void this.scheduleDrain();
  }

  private reportDrops(): void {
    const count = this.unreportedDrops;
    this.unreportedDrops = 0;
    this.report(
      new LLMLabError(
        'queue_overflow',
        `the queue was full (maxQueueSize ${this.settings.maxQueueSize}): dropped the ${count} oldest event(s)`,
        { eventCount: count },
      ),
    );
  }

  /** Drains are chained so that exactly one batch is in flight and batches leave in recording order. */
  private scheduleDrain(): Promise<void> {
    const target = this.lastSeq;
    this.pendingDrains++;
    this.sending = this.sending
      .then(() => this.drain(target))
      .catch((cause) => {
        this.report(new LLMLabError('internal', 'delivery failed unexpectedly', { cause }));
      })
      .finally(() => {
        this.pendingDrains--;
      });
    return this.sending;
  }

  private async drain(target: number): Promise<void> {
    while (!this.stop.signal.aborted && this.queue.length > 0 && this.queue[0].seq <= target) {
      await this.deliver(this.takeBatch());
    }
  }

  private takeBatch(): UsageEvent[] {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.settings.maxBatchSize) {
      const next = bytes + this.queue[count].bytes + 1;
      if (count > 0 && next > MAX_BATCH_BYTES) break;
      bytes = next;
      count++;
    }
    return this.queue.splice(0, count).map((item) => item.event);
  }

  private async deliver(events: UsageEvent[]): Promise<void> {
    this.inFlight = events.length;
    try {
      for (let attempt = 0; ; attempt++) {
        const result = await this.attempt(events);
        switch (result.outcome) {
          case 'aborted':
            return;
          case 'delivered':
            this.accept(events.length, result.response);
            return;
          case 'rejected':
            // A batch none of whose events was valid: the 400 carries the same per-event list a 202 would.
            if (result.response.status === 400 && rejectedEvents(result.response.body).length > 0) {
              this.accept(events.length, result.response);
              return;
            }
            this.counters.failed += events.length;
            this.report(
              new LLMLabError('request_rejected', `the ingest API answered ${result.response.status}; batch dropped`, {
                eventCount: events.length,
                status: result.response.status,
                details: result.response.body,
              }),
            );
            return;
          case 'retry':
            if (attempt >= this.settings.retry.maxRetries) {
              this.counters.failed += events.length;
              const why = result.status === undefined ? 'network errors' : `status ${result.status}`;
              this.report(
                new LLMLabError('retries_exhausted', `gave up after ${attempt + 1} attempt(s) (${why}); batch dropped`, {
                  eventCount: events.length,
                  status: result.status,
                  cause: result.cause,
                }),
              );
              return;
            }
            await this.sleep(retryDelayMs(attempt, result.retryAfterMs, this.settings.retry));
            if (this.stop.signal.aborted) return;
        }
      }
    } finally {
      this.inFlight = 0;
    }
  }

  /** One request. The same `events` array goes out on every attempt, so a retried batch keeps its ids. */
  private async attempt(events: UsageEvent[]): Promise<Attempt> {
    const signal = AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.settings.requestTimeoutMs)]);
    let response: UsageTransportResponse;
    try {
      response = await this.transport.send({ events }, signal);
    } catch (cause) {
      return this.stop.signal.aborted ? { outcome: 'aborted' } : { outcome: 'retry', cause };
    }
    // Past the shutdown deadline the batch has already been counted as dropped.
    if (this.stop.signal.aborted) return { outcome: 'aborted' };
    if (response.status >= 200 && response.status < 300) return { outcome: 'delivered', response };
    if (isRetryableStatus(response.status)) {
      return { outcome: 'retry', status: response.status, retryAfterMs: response.retryAfterMs };
    }
    return { outcome: 'rejected', response };
  }

  private accept(count: number, response: UsageTransportResponse): void {
    const rejected = rejectedEvents(response.body);
    this.counters.sent += count - rejected.length;
    if (rejected.length === 0) return;
    this.counters.failed += rejected.length;
    this.report(
      new LLMLabError('events_rejected', `the ingest API rejected ${rejected.length} of ${count} event(s)`, {
        eventCount: rejected.length,
        status: response.status,
        details: rejected,
      }),
    );
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stop.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      // A background retry must not hold the process open; one an awaited flush() or shutdown() waits on must.
      if (this.awaitedFlushes === 0 && !this.closed) timer.unref();
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (this.exitHook) process.off('beforeExit', this.exitHook);
    const drained = Promise.all([this.flush(), this.spans.close()]);
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => {
        deadline = setTimeout(() => resolve(true), this.settings.shutdownTimeoutMs);
      }),
    ]);
    clearTimeout(deadline);
    if (!timedOut) return;
    const undelivered = this.inFlight + this.queue.length;
    // Aborting ends the request in flight and any retry wait; a transport that ignores the signal is not awaited.
    this.stop.abort();
    this.queue.length = 0;
    this.inFlight = 0;
    this.counters.dropped += undelivered;
    this.report(
      new LLMLabError(
        'shutdown_timeout',
        `shutdown() reached its ${this.settings.shutdownTimeoutMs} ms deadline with ${undelivered} event(s) undelivered`,
        { eventCount: undelivered },
      ),
    );
  }

  private report(error: LLMLabError): void {
    try {
      this.onError(error);
    } catch {
      // The host's own handler failing must not turn into an exception on the host's call path.
    }
  }
}

function settingsFrom(options: LLMLabOptions): Settings {
  return {
    flushIntervalMs: whole(options.flushIntervalMs, 1_000, 1),
    maxBatchSize: Math.min(MAX_BATCH_SIZE, whole(options.maxBatchSize, 100, 1)),
    maxQueueSize: whole(options.maxQueueSize, 10_000, 1),
    retry: {
      maxRetries: whole(options.maxRetries, 5, 0),
      baseDelayMs: whole(options.retryBaseDelayMs, 500, 0),
      maxDelayMs: whole(options.retryMaxDelayMs, 30_000, 0),
    },
    requestTimeoutMs: whole(options.requestTimeoutMs, 10_000, 1),
    shutdownTimeoutMs: whole(options.shutdownTimeoutMs, 10_000, 0),
  };
}

/** Out-of-range options are clamped rather than thrown on: the constructor must not break the host either. */
function whole(value: number | undefined, fallback: number, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(min, Math.floor(value)) : fallback;
}

function rejectedEvents(body: unknown): unknown[] {
  const rejected = typeof body === 'object' && body !== null ? (body as { rejected?: unknown }).rejected : undefined;
  return Array.isArray(rejected) ? rejected : [];
}
