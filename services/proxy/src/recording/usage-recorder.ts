import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { validateUsageEvent, type UsageEventInput } from '@llmlab/contracts';
import { splitBatch } from '@llmlab/messaging';
import type { SpooledBatch, SpoolPosition, UsageSpool } from './usage-spool';

/** Whose usage it is: the project and the API key the proxied call authenticated with. */
export interface UsageOwner {
  organizationId: string;
  projectId: string;
  apiKeyId: string;
  correlationId?: string;
}

export interface UsageRecorderOptions {
  spool: UsageSpool;
  js: JetStreamClient;
  /** The INGEST subject with the deployment's prefix (`streamTopology(prefix).subject(INGEST_USAGE_SUBJECT)`). */
  subject: string;
  /** The NATS server's `max_payload`: what one message may hold. */
  maxPayload: () => number;
  logger: Logger;
  /** An owner's batch is spooled at once when it holds this many events, without waiting for the spool to be idle. */
  maxBatchEvents?: number;
  publishTimeoutMs?: number;
  /** Messages in flight to JetStream at once. */
  maxInFlight?: number;
  /** Waits between attempts while INGEST is unreachable: exponential with full jitter, between these bounds. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  random?: () => number;
}

interface Buffered {
  owner: UsageOwner;
  events: UsageEventInput[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/**
 * Records the usage of proxied calls on the same durable ingest path as `POST /v1/usage` (INGEST, then pricing and
 * the ledger in the ingestion service) without holding the caller's answer: `record` resolves once the event is in
 * the spool on disk, and publishing follows. While INGEST is unreachable the spool holds what was recorded and the
 * recorder keeps trying, with backoff; after a restart it sends what the spool still holds. Nothing recorded is
 * lost, and nothing is counted twice (a batch keeps its id, hence its JetStream message id, and the ingestion
 * service counts each event id of a project once).
 */
export class UsageRecorder {
  private readonly buffers = new Map<string, Buffered>();
  private readonly outbox: { position: SpoolPosition; batch: SpooledBatch }[] = [];
  /** A spooling of what is buffered is due on the next turn of the event loop. */
  private scheduled = false;
  /** Appends to the spool under way. */
  private spooling = 0;
  private draining?: Promise<void>;
  private wake?: () => void;
  private stopped = false;
  private failures = 0;
  private readonly o: Required<Omit<UsageRecorderOptions, 'spool' | 'js' | 'subject' | 'maxPayload' | 'logger'>>;

  constructor(private readonly options: UsageRecorderOptions) {
    this.o = {
      maxBatchEvents: options.maxBatchEvents ?? 500,
      publishTimeoutMs: options.publishTimeoutMs ?? 5_000,
      maxInFlight: options.maxInFlight ?? 16,
      retryBaseMs: options.retryBaseMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      random: options.random ?? Math.random,
    };
  }

  /** Loads what the spool holds from earlier processes and starts sending. */
  async start(): Promise<void> {
    this.outbox.push(...(await this.options.spool.pending()));
    if (this.outbox.length > 0) this.options.logger.info({ batches: this.outbox.length }, 'sending the usage left in the spool');
    this.draining = this.drain();
  }

  /**
   * Resolves once the event is on disk. Nothing waits for a timer: an event recorded while the spool is idle is
   * spooled on the next turn of the event loop (with whatever else that turn recorded), and events recorded while
   * an append is under way are gathered and spooled together, per owner, as soon as it ends. The end of every answer
   * waits for its record to be on disk, so a fixed linger would be added to each answer; this way a lone call waits
   * for one durable write, and under load the batches grow by themselves. Rejects for an event the ingest path
   * would refuse (a defect of the caller of `record`, never of the proxied client) and when the spool is full
   * (`SpoolFullError`).
   */
  record(event: UsageEventInput, owner: UsageOwner): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the usage recorder is stopped'));
    const checked = validateUsageEvent(event, new Date());
    if (!checked.ok) return Promise.reject(new Error(`invalid usage event: ${JSON.stringify(checked.errors)}`));
    const key = `${owner.organizationId}/${owner.projectId}/${owner.apiKeyId}`;
    let buffer = this.buffers.get(key);
    if (!buffer) this.buffers.set(key, (buffer = { owner, events: [], waiters: [] }));
    buffer.events.push(checked.event);
    const spooled = new Promise<void>((resolve, reject) => buffer.waiters.push({ resolve, reject }));
    if (buffer.events.length >= this.o.maxBatchEvents) void this.spoolBuffer(key);
    else if (this.spooling === 0) this.schedule();
    return spooled;
  }

  /** Whether the spool can take more usage now: when it cannot, the proxy refuses calls instead of losing usage. */
  hasRoom(): boolean {
    return this.options.spool.hasRoom();
  }

  /** Batches spooled and not yet acknowledged by JetStream. */
  get backlog(): number {
    return this.outbox.length;
  }

  /** Spools what is buffered and stops sending; what JetStream has not acknowledged stays in the spool. */
  async stop(): Promise<void> {
    await this.spoolAll();
    this.stopped = true;
    this.wake?.();
    await this.draining;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.spoolAll();
    });
  }

  private async spoolAll(): Promise<void> {
    await Promise.all([...this.buffers.keys()].map((key) => this.spoolBuffer(key)));
  }

  private async spoolBuffer(key: string): Promise<void> {
    const buffer = this.buffers.get(key);
    if (!buffer) return;
    this.buffers.delete(key);
    const { owner, events, waiters } = buffer;
    const envelope = {
      organizationId: owner.organizationId,
      projectId: owner.projectId,
      apiKeyId: owner.apiKeyId,
      receivedAt: new Date().toISOString(),
      ...(owner.correlationId ? { correlationId: owner.correlationId } : {}),
    };
    const batches = splitBatch(envelope, events, this.options.maxPayload(), uuidv7).map((p) => ({
      batchId: p.batchId,
      payload: p.payload,
    }));
    this.spooling++;
    try {
      const positions = await this.options.spool.append(batches);
      batches.forEach((batch, i) => this.outbox.push({ position: positions[i], batch }));
      for (const w of waiters) w.resolve();
      // The answers waiting for these events go out first; publishing them starts on the next turn.
      setImmediate(() => this.wake?.());
    } catch (err) {
      for (const w of waiters) w.reject(err);
    } finally {
      // What was recorded meanwhile goes next, together.
      if (--this.spooling === 0 && this.buffers.size > 0) this.schedule();
    }
  }

  /** Sends the outbox in order, a window of messages at a time; on a failure waits, then sends from there again. */
  private async drain(): Promise<void> {
    while (!this.stopped) {
      if (this.outbox.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const window = this.outbox.slice(0, this.o.maxInFlight);
      const settled = await Promise.allSettled(
        window.map(({ batch }) =>
          this.options.js.publish(this.options.subject, batch.payload, { msgID: batch.batchId, timeout: this.o.publishTimeoutMs }),
        ),
      );
      const sent = window.filter((_, i) => settled[i].status === 'fulfilled');
      if (sent.length > 0) {
        const done = new Set(sent);
        this.outbox.splice(0, this.outbox.length, ...this.outbox.filter((entry) => !done.has(entry)));
        await this.options.spool.acknowledge(sent.map((entry) => entry.position));
      }
      if (sent.length === window.length) {
        this.failures = 0;
        continue;
      }
      const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')!.reason as Error;
      this.failures++;
      const wait = this.o.random() * Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(this.failures - 1, 20));
      this.options.logger.warn(
        { err: failure.message, backlog: this.outbox.length, retryInMs: Math.round(wait) },
        'INGEST unreachable: usage kept in the spool',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          if (this.stopped) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      this.wake = undefined;
    }
  }
}
