import { MessagingErrorCode, type ErrorReply, type Reply, type RequestContext, type RequestOf, type Subject } from '@llmlab/contracts';
import type { RequestEnvelope } from '@llmlab/contracts';
import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { serviceOf } from '../request-reply/messaging.client';
import { toErrorReply } from '../request-reply/request-handler';

/**
 * A stream of byte chunks over core NATS, with credit-based flow control: a large answer (the usage export) that
 * does not fit in one reply and must not be read faster than its reader takes it.
 *
 * The wire, every message tagged by its `Llmlab-Stream` header:
 *   client → subject (queue group)   the request `{ context, payload, credit, idleTimeoutMs }`, reply = client inbox
 *   service → inbox                  `start` `{ control }` once the request is accepted, or `error` (an ErrorReply)
 *   service → inbox                  `chunk` (bytes, `Llmlab-Seq` 0, 1, ...) while it holds credit,
 *                                    then `end` (`Llmlab-Seq` = the number of chunks) or `error` mid-way
 *   client → control                 `credit` (a number of chunks, as it consumed them), `alive`, `cancel`
 * The service never has more chunks in flight than the client granted, so memory on both sides is bounded by the
 * credit whatever the stream's size; a client that goes silent for `idleTimeoutMs` (no credit, no `alive`) is
 * gone and its stream is cancelled, and a service that owes chunks and sends nothing for that long is stalled.
 */
const KIND = 'Llmlab-Stream';
const SEQ = 'Llmlab-Seq';
type Kind = 'start' | 'chunk' | 'end' | 'error' | 'credit' | 'alive' | 'cancel';

export interface ChunkStreamOptions {
  /** Chunks the service may send ahead of the reader (8): the most either side buffers. */
  credit?: number;
  /** How long a silent peer is waited for (30 s); also the wait for the service to accept the request. */
  idleTimeoutMs?: number;
}

interface StreamRequest<T> extends RequestEnvelope<T> {
  credit: number;
  idleTimeoutMs: number;
}

const DEFAULT_CREDIT = 8;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

function message(kind: Kind, seq?: number) {
  const h = headers();
  h.set(KIND, kind);
  if (seq !== undefined) h.set(SEQ, String(seq));
  return h;
}

const kindOf = (msg: Msg) => msg.headers?.get(KIND) as Kind | '' | undefined;
const seqOf = (msg: Msg) => Number(msg.headers?.get(SEQ));

/** A stream that failed after it started: the reader must not take what it got for the whole. */
export class ChunkStreamError extends Error {
  constructor(readonly reply: ErrorReply) {
    super(reply.message);
    this.name = 'ChunkStreamError';
  }
}

/**
 * The reading side: an async iterator of the chunks in order. It grants credit as chunks are taken (half the
 * window at a time), so a reader that stops pulling (an HTTP socket that does not drain) stops the service.
 * Ends normally only on the service's `end` with every chunk received; throws `ChunkStreamError` otherwise.
 * `return()` (a `for await` left early, `Readable.from` destroyed) cancels the stream at the service.
 */
export class ChunkStream implements AsyncIterableIterator<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private waiting?: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (err: Error) => void };
  private failure?: ChunkStreamError;
  private endSeq?: number;
  private received = 0;
  /** Chunks granted and not received yet: the service owes them, so its silence is a stall. */
  private owed: number;
  private taken = 0;
  private closed = false;
  private idleTimer?: NodeJS.Timeout;
  private readonly keepAlive: NodeJS.Timeout;

  /** @internal made by `openChunkStream` */
  constructor(
    private readonly nc: NatsConnection,
    private readonly subscription: Subscription,
    private readonly control: string,
    private readonly credit: number,
    private readonly idleTimeoutMs: number,
    private readonly subject: string,
  ) {
    this.owed = credit;
    this.keepAlive = setInterval(() => this.send('alive'), Math.max(1, Math.floor(idleTimeoutMs / 3)));
    this.keepAlive.unref();
    this.armIdleTimer();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.queue.shift();
    if (chunk) {
      this.took();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.endSeq !== undefined) {
      this.close();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** The reader is done before the end: the service stops reading and releases what it holds. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.closed && this.endSeq === undefined && !this.failure) this.send('cancel');
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** @internal a message on the inbox after `start` */
  receive(msg: Msg): void {
    if (this.closed || this.failure || this.endSeq !== undefined) return;
    const kind = kindOf(msg);
    if (kind === 'chunk') {
      if (seqOf(msg) !== this.received) return this.fail(this.broken(`chunk ${seqOf(msg)} arrived where ${this.received} was expected`));
      this.received++;
      this.owed--;
      this.armIdleTimer();
      this.deliver(msg.data);
    } else if (kind === 'end') {
      if (seqOf(msg) !== this.received)
        return this.fail(this.broken(`the stream ended after ${seqOf(msg)} chunks, ${this.received} received`));
      this.endSeq = this.received;
      this.clearIdleTimer();
      clearInterval(this.keepAlive);
      if (this.waiting && this.queue.length === 0) {
        const { resolve } = this.waiting;
        this.waiting = undefined;
        this.close();
        resolve({ value: undefined, done: true });
      }
    } else if (kind === 'error') {
      this.fail(new ChunkStreamError(parseError(msg)));
    } else {
      this.fail(this.broken(`unexpected ${kind || 'untagged'} message`));
    }
  }

  private deliver(chunk: Uint8Array) {
    if (!this.waiting) {
      this.queue.push(chunk);
      return;
    }
    const { resolve } = this.waiting;
    this.waiting = undefined;
    this.took();
    resolve({ value: chunk, done: false });
  }

  /** A chunk left for the reader: once half the window is taken, it is granted again. */
  private took() {
    this.taken++;
    if (this.endSeq !== undefined || this.taken < Math.max(1, Math.floor(this.credit / 2))) return;
    this.send('credit', String(this.taken));
    this.owed += this.taken;
    this.armIdleTimer();
    this.taken = 0;
  }

  /** @internal */
  fail(error: ChunkStreamError): void {
    if (this.failure || this.closed) return;
    this.failure = error;
    this.send('cancel');
    this.close();
    this.queue.length = 0;
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      reject(error);
    }
  }

  private broken(detail: string) {
    return new ChunkStreamError({
      code: MessagingErrorCode.BadServiceReply,
      message: `the ${serviceOf(this.subject)} stream broke: ${detail}`,
    });
  }

  private armIdleTimer() {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      if (this.owed > 0)
        this.fail(
          new ChunkStreamError({
            code: MessagingErrorCode.ServiceTimeout,
            message: `the ${serviceOf(this.subject)} service sent nothing for ${this.idleTimeoutMs} ms`,
          }),
        );
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer() {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private send(kind: Kind, body = '') {
    if (this.closed || this.nc.isClosed()) return;
    try {
      this.nc.publish(this.control, body, { headers: message(kind) });
    } catch {
      // A lost connection: the service's idle timeout cancels the stream.
    }
  }

  private close() {
    if (this.closed) return;
    this.closed = true;
    this.clearIdleTimer();
    clearInterval(this.keepAlive);
    this.subscription.unsubscribe();
  }
}

/**
 * Every chunk of a stream, in order, for an answer of a bounded size read whole before any of it is used; or the
 * coded error the stream failed with, never the part before the failure.
 */
export async function readWholeStream(stream: AsyncIterable<Uint8Array>): Promise<Reply<Uint8Array[]>> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (err) {
    if (err instanceof ChunkStreamError) return { ok: false, error: err.reply };
    throw err;
  }
  return { ok: true, data: chunks };
}

/**
 * Asks `subject` (already prefixed for the deployment) for a chunk stream. Resolves once the service accepted or
 * refused the request, before any chunk, so a refusal (a bad request) can still be answered as such: a coded error
 * reply, like `MessagingClient.request`, also for no responder and a service that does not answer in time.
 */
export function openChunkStream<S extends Subject<unknown, unknown>>(
  nc: NatsConnection,
  subject: string,
  payload: RequestOf<S>,
  context: RequestContext,
  options: ChunkStreamOptions = {},
): Promise<Reply<ChunkStream>> {
  const credit = Math.max(1, options.credit ?? DEFAULT_CREDIT);
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const service = serviceOf(subject);
  return new Promise((resolve) => {
    let stream: ChunkStream | undefined;
    let settled = false;
    const settle = (reply: Reply<ChunkStream>) => {
      settled = true;
      clearTimeout(timer);
      if (!reply.ok) subscription.unsubscribe();
      resolve(reply);
    };
    const subscription = nc.subscribe(createInbox(), {
      callback: (err, msg) => {
        if (err) {
          if (!settled) settle(unavailable(service));
          else stream?.fail(new ChunkStreamError(unavailable(service).error));
          return;
        }
        if (stream) return stream.receive(msg);
        if (settled) return;
        // No responder: the server answers a request nobody subscribes to with a 503 status.
        if (msg.headers?.code === 503) return settle(unavailable(service));
        const kind = kindOf(msg);
        if (kind === 'error') return settle({ ok: false, error: parseError(msg) });
        if (kind !== 'start')
          return settle({
            ok: false,
            error: { code: MessagingErrorCode.BadServiceReply, message: `the ${service} service answered badly` },
          });
        const { control } = msg.json<{ control: string }>();
        stream = new ChunkStream(nc, subscription, control, credit, idleTimeoutMs, subject);
        settle({ ok: true, data: stream });
      },
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settle({
        ok: false,
        error: { code: MessagingErrorCode.ServiceTimeout, message: `the ${service} service did not answer within ${idleTimeoutMs} ms` },
      });
    }, idleTimeoutMs);
    const request: StreamRequest<RequestOf<S>> = { context, payload, credit, idleTimeoutMs };
    try {
      nc.publish(subject, JSON.stringify(request), { reply: subscription.getSubject() });
    } catch {
      settle(unavailable(service));
    }
  });
}

function unavailable(service: string): { ok: false; error: ErrorReply } {
  return { ok: false, error: { code: MessagingErrorCode.ServiceUnavailable, message: `the ${service} service is unavailable` } };
}

function parseError(msg: Msg): ErrorReply {
  try {
    const error = msg.json<ErrorReply>();
    if (typeof error?.code === 'string' && typeof error.message === 'string') return error;
  } catch {
    // fall through
  }
  return { code: MessagingErrorCode.BadServiceReply, message: 'the stream failed with an unreadable error' };
}

/** What a service answers a stream request with: the chunks, in order; throwing (a CodedError) refuses it. */
export type ChunkSource<S> = (payload: RequestOf<S>, context: RequestContext) => Promise<AsyncIterable<Uint8Array>>;

export interface ChunkStreamServerOptions {
  /** The deployment's NATS_PREFIX. */
  prefix: string;
  /** Queue group, one per service: one replica serves each stream. */
  queue: string;
  /** Where failures go (`logger.warn`/`error`); defaults to none. */
  log?: (level: 'warn' | 'error', message: string, err?: unknown) => void;
}

export interface ChunkStreamServer {
  /** Takes no new stream, fails the open ones (their readers see an error, never a short stream), waits for them. */
  stop(): Promise<void>;
}

/**
 * The service side: answers stream requests on `subject` with the chunks `open` yields, each sent only against
 * credit; `open` pulls nothing ahead of it. A cancelled, failed, timed out or stopped stream calls the source's
 * `return()`, so a generator's `finally` releases what it holds (a database connection) whatever happens.
 */
export function serveChunkStreams<S extends Subject<unknown, unknown>>(
  nc: NatsConnection,
  subject: S,
  options: ChunkStreamServerOptions,
  open: ChunkSource<S>,
): ChunkStreamServer {
  const name = options.prefix ? `${options.prefix}.${subject.subject}` : subject.subject;
  const active = new Set<ServedStream>();
  const subscription = nc.subscribe(name, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err) return options.log?.('warn', `${name}: subscription error`, err);
      if (!msg.reply) return;
      const served = new ServedStream(nc, msg, subject.subject, open, options);
      active.add(served);
      void served.run().finally(() => active.delete(served));
    },
  });
  return {
    async stop() {
      subscription.unsubscribe();
      const running = [...active];
      for (const s of running) s.abort({ code: MessagingErrorCode.ShuttingDown, message: 'the service is shutting down; retry' });
      await Promise.all(running.map((s) => s.done));
    },
  };
}

class ServedStream {
  private credit = 0;
  private stopped?: ErrorReply | 'cancelled';
  private wake?: () => void;
  private idleTimer?: NodeJS.Timeout;
  private control?: Subscription;
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    private readonly nc: NatsConnection,
    private readonly request: Msg,
    private readonly subject: string,
    private readonly open: ChunkSource<Subject<unknown, unknown>>,
    private readonly options: ChunkStreamServerOptions,
  ) {}

  async run(): Promise<void> {
    const inbox = this.request.reply as string;
    let iterator: AsyncIterator<Uint8Array> | undefined;
    try {
      let idleTimeoutMs: number;
      try {
        const request = this.request.json<StreamRequest<unknown>>();
        this.credit = Math.max(0, Math.floor(Number(request.credit) || 0));
        idleTimeoutMs = Math.max(1, Number(request.idleTimeoutMs) || DEFAULT_IDLE_TIMEOUT_MS);
        iterator = (await this.open(request.payload, request.context))[Symbol.asyncIterator]();
      } catch (err) {
        this.publish(inbox, 'error', JSON.stringify(toErrorReply(err, this.subject, correlationOf(this.request))));
        return;
      }
      const controlSubject = createInbox();
      this.control = this.nc.subscribe(controlSubject, { callback: (_err, msg) => this.onControl(msg, idleTimeoutMs) });
      this.armIdleTimer(idleTimeoutMs);
      this.publish(inbox, 'start', JSON.stringify({ control: controlSubject }));
      let seq = 0;
      while (!this.stopped) {
        if (this.credit === 0) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        const next = await iterator.next();
        if (this.stopped) break;
        if (next.done) {
          iterator = undefined;
          this.publish(inbox, 'end', '', seq);
          return;
        }
        this.publish(inbox, 'chunk', next.value, seq++);
        this.credit--;
      }
      if (this.stopped !== 'cancelled' && this.stopped) this.publish(inbox, 'error', JSON.stringify(this.stopped));
    } catch (err) {
      this.publish(inbox, 'error', JSON.stringify(toErrorReply(err, this.subject, correlationOf(this.request))));
    } finally {
      clearTimeout(this.idleTimer);
      this.control?.unsubscribe();
      // The source releases what it holds (a cancelled COPY, its connection) before the stream counts as done.
      await iterator
        ?.return?.(undefined)
        .catch((err: unknown) => this.options.log?.('warn', `${this.subject}: closing a stream failed`, err));
      this.finished();
    }
  }

  abort(reason: ErrorReply | 'cancelled') {
    if (this.stopped) return;
    this.stopped = reason;
    this.wake?.();
  }

  private onControl(msg: Msg, idleTimeoutMs: number) {
    this.armIdleTimer(idleTimeoutMs);
    const kind = kindOf(msg);
    if (kind === 'credit') {
      this.credit += Math.max(0, Math.floor(Number(msg.string()) || 0));
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    } else if (kind === 'cancel') this.abort('cancelled');
  }

  private armIdleTimer(idleTimeoutMs: number) {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.options.log?.('warn', `${this.subject}: the reader sent nothing for ${idleTimeoutMs} ms; stream cancelled`);
      this.abort({ code: MessagingErrorCode.ServiceTimeout, message: `the reader sent nothing for ${idleTimeoutMs} ms` });
    }, idleTimeoutMs);
    this.idleTimer.unref();
  }

  private publish(inbox: string, kind: Kind, body: string | Uint8Array, seq?: number) {
    if (this.nc.isClosed()) return;
    this.nc.publish(inbox, body, { headers: message(kind, seq) });
  }
}

function correlationOf(msg: Msg): string | undefined {
  try {
    return msg.json<StreamRequest<unknown>>().context?.correlationId;
  } catch {
    return undefined;
  }
}
