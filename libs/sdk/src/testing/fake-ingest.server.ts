import type { OtlpTraceRequest } from '../tracing/otlp.encoding';
import type { UsageEvent } from '../usage-event';
import { sendJson, startServer, type TestServer } from './http-server';

export interface IngestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Hold the answer this long (the server closing cuts it short). */
  delayMs?: number;
}

export interface ReceivedBatch {
  authorization: string | undefined;
  contentType: string | undefined;
  events: UsageEvent[];
  /** The status it was answered with. */
  status: number;
}

/**
 * Stands in for `POST /v1/usage`: records every batch it receives, answers 202
 * `{accepted, duplicates, rejected}` deduplicating on event ids, or whatever replies were queued.
 */
export interface FakeIngest extends TestServer {
  received: ReceivedBatch[];
  /** OTLP/JSON requests to `POST /v1/otlp/v1/traces`, each answered 200 with an empty partial success. */
  traces: { authorization: string | undefined; body: OtlpTraceRequest }[];
  /** Events accepted once each, in arrival order. */
  accepted: UsageEvent[];
  replyNext(...replies: IngestReply[]): void;
  /** Resolves once `count` distinct events have been accepted. */
  waitForAccepted(count: number, timeoutMs?: number): Promise<UsageEvent[]>;
}

export async function startFakeIngest(): Promise<FakeIngest> {
  const received: ReceivedBatch[] = [];
  const traces: FakeIngest['traces'] = [];
  const accepted: UsageEvent[] = [];
  const seen = new Set<string>();
  const replies: IngestReply[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = await startServer(async (request, response, self) => {
    if (request.method === 'POST' && request.url === '/v1/otlp/v1/traces') {
      traces.push({ authorization: request.headers.authorization, body: request.body as OtlpTraceRequest });
      sendJson(response, 200, {});
      return;
    }
    const events = ((request.body as { events?: UsageEvent[] } | undefined)?.events ?? []) as UsageEvent[];
    const reply = replies.shift();
    const batch: ReceivedBatch = {
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      events,
      status: reply?.status ?? 202,
    };
    received.push(batch);
    if (request.method !== 'POST' || request.url !== '/v1/usage') {
      batch.status = 404;
      sendJson(response, 404, { title: 'Not Found' });
      return;
    }
    if (reply?.delayMs) await self.pause(reply.delayMs);
    if (reply) {
      sendJson(response, reply.status, reply.body ?? { title: `status ${reply.status}` }, reply.headers);
      return;
    }
    let duplicates = 0;
    for (const event of events) {
      if (seen.has(event.id)) {
        duplicates++;
        continue;
      }
      seen.add(event.id);
      accepted.push(event);
    }
    sendJson(response, 202, { accepted: events.length - duplicates, duplicates, rejected: [] });
    for (const waiter of waiters.filter((w) => accepted.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    ...server,
    received,
    traces,
    accepted,
    replyNext: (...next) => replies.push(...next),
    waitForAccepted: (count, timeoutMs = 5_000) =>
      new Promise<UsageEvent[]>((resolve, reject) => {
        if (accepted.length >= count) return resolve(accepted);
        const timer = setTimeout(
          () => reject(new Error(`only ${accepted.length} of ${count} events arrived within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(accepted);
          },
        });
      }),
  };
}
