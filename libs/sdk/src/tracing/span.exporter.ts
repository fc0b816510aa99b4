import { LLMLabError } from '../errors';
import { isRetryableStatus, parseRetryAfterMs, retryDelayMs, type RetryPolicy } from '../retry.policy';
import type { SpanRecord, SpanSink } from './active-span';
import { encodeTraceRequest, type OtlpResource, type OtlpTraceRequest } from './otlp.encoding';

export interface SpanTransportResponse {
  status: number;
  retryAfterMs?: number;
  body?: unknown;
}

/** One attempt to deliver one OTLP/JSON request; rejects only when no answer came. */
export interface SpanTransport {
  send(request: OtlpTraceRequest, signal: AbortSignal): Promise<SpanTransportResponse>;
}

/** `POST {baseUrl}/v1/otlp/v1/traces` with the API key as a Bearer token. */
export class FetchSpanTransport implements SpanTransport {
  constructor(private readonly options: { apiKey: string; baseUrl: string }) {}

  async send(request: OtlpTraceRequest, signal: AbortSignal): Promise<SpanTransportResponse> {
    const url = `${String(this.options.baseUrl ?? '').replace(/\/+$/, '')}/v1/otlp/v1/traces`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): the text is what there is to report.
    }
    return { status: response.status, retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')), body };
  }
}

export interface SpanExporterSettings {
  flushIntervalMs: number;
  maxBatchSize: number;
  maxQueueSize: number;
  retry: RetryPolicy;
  requestTimeoutMs: number;
}

/**
 * Sends ended spans in the background as OTLP/JSON, batched and retried like usage events. One request is
 * in flight at a time. Never throws at the host: what goes wrong is reported.
 */
export class SpanExporter implements SpanSink {
  private readonly queue: SpanRecord[] = [];
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  private draining = false;
  private closed = false;
  private awaitedFlushes = 0;
  readonly counters = { sent: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly transport: SpanTransport,
    private readonly resource: OtlpResource,
    private readonly settings: SpanExporterSettings,
    private readonly report: (error: LLMLabError) => void,
    private readonly stop: AbortSignal,
  ) {
    this.timer = setInterval(() => {
      if (this.queue.length > 0 && !this.draining) void this.drainQueued();
    }, settings.flushIntervalMs);
    this.timer.unref();
  }

  end(span: SpanRecord): void {
    if (this.closed) {
      this.counters.dropped++;
      this.report(new LLMLabError('closed', `span ${span.name} ended after shutdown() and was dropped`, { eventCount: 1 }));
      return;
    }
    if (this.queue.length >= this.settings.maxQueueSize) {
      this.queue.shift();
      this.counters.dropped++;
      this.report(new LLMLabError('queue_overflow', 'the span queue was full: dropped the oldest span', { eventCount: 1 }));
    }
    this.queue.push(span);
    if (this.queue.length >= this.settings.maxBatchSize && !this.draining) void this.drainQueued();
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once every span ended before the call was delivered or given up on. Never rejects. */
  flush(): Promise<void> {
    this.awaitedFlushes++;
    return this.drainQueued().finally(() => {
      this.awaitedFlushes--;
    });
  }

  private drainQueued(): Promise<void> {
    const target = this.queue.length;
    this.sending = this.sending
      .then(() => this.drain(target))
      .catch((cause) => this.report(new LLMLabError('internal', 'span delivery failed unexpectedly', { cause })));
    return this.sending;
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    return this.flush();
  }

  /** `target` counts spans from the queue's head at flush time; a span ended later waits for the next flush. */
  private async drain(target: number): Promise<void> {
    this.draining = true;
    try {
      let remaining = Math.min(target, this.queue.length);
      while (remaining > 0 && !this.stop.aborted) {
        const batch = this.queue.splice(0, Math.min(remaining, this.settings.maxBatchSize));
        remaining -= batch.length;
        await this.deliver(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async deliver(spans: SpanRecord[]): Promise<void> {
    const request = encodeTraceRequest(spans, this.resource);
    for (let attempt = 0; ; attempt++) {
      let response: SpanTransportResponse | undefined;
      let cause: unknown;
      try {
        const signal = AbortSignal.any([this.stop, AbortSignal.timeout(this.settings.requestTimeoutMs)]);
        response = await this.transport.send(request, signal);
      } catch (error) {
        cause = error;
      }
      if (this.stop.aborted) {
        this.counters.dropped += spans.length;
        return;
      }
      if (response && response.status >= 200 && response.status < 300) return this.accept(spans.length, response);
      if (response && !isRetryableStatus(response.status)) {
        this.counters.failed += spans.length;
        this.report(
          new LLMLabError('request_rejected', `the OTLP intake answered ${response.status}; ${spans.length} span(s) dropped`, {
            eventCount: spans.length,
            status: response.status,
            details: response.body,
          }),
        );
        return;
      }
      if (attempt >= this.settings.retry.maxRetries) {
        this.counters.failed += spans.length;
        const why = response ? `status ${response.status}` : 'network errors';
        this.report(
          new LLMLabError('retries_exhausted', `gave up on ${spans.length} span(s) after ${attempt + 1} attempt(s) (${why})`, {
            eventCount: spans.length,
            status: response?.status,
            cause,
          }),
        );
        return;
      }
      // A background retry must not hold the host's process open; one an awaited flush() waits on must.
      await sleep(retryDelayMs(attempt, response?.retryAfterMs, this.settings.retry), this.stop, this.awaitedFlushes === 0);
    }
  }

  /** OTLP's `partialSuccess`: the request was taken, but `rejectedSpans` of it were not. */
  private accept(count: number, response: SpanTransportResponse): void {
    const partial = (response.body as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } } | undefined)?.partialSuccess;
    const rejected = Number(partial?.rejectedSpans ?? 0);
    const rejectedCount = Number.isFinite(rejected) && rejected > 0 ? Math.min(count, rejected) : 0;
    this.counters.sent += count - rejectedCount;
    if (rejectedCount === 0 && !partial?.errorMessage) return;
    this.counters.failed += rejectedCount;
    this.report(
      new LLMLabError(
        'events_rejected',
        `the OTLP intake rejected ${rejectedCount} of ${count} span(s): ${String(partial?.errorMessage ?? '')}`,
        {
          eventCount: rejectedCount,
          status: response.status,
          details: partial,
        },
      ),
    );
  }
}

function sleep(ms: number, signal: AbortSignal, background: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (background) timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}
