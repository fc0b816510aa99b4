import { inTransaction } from '@llmlab/persistence';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DeadLetterHeaders, backoffDelay, type ConsumerHandle } from '../consumer/run-consumer';
import { errorMessage, headerValue } from '../error-text';
import { isDatabaseUnavailable, isDataException } from '../request-reply/request-handler';
import type { ProjectionRef } from './apply-in-transaction';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** An event as the relay published it: what the projection needs of it is its position. */
export interface PositionedEvent {
  readonly position: number;
}

export interface OrderedProjectionOptions<E extends PositionedEvent> {
  js: JetStreamClient;
  /** The service's database: the checkpoint row (`<schema>.projection_checkpoints`) and the read models. */
  pool: Pool;
  ref: ProjectionRef;
  stream: string;
  filterSubject: string;
  /**
   * Writes a run of events, in order, inside the caller's transaction; events at or before the checkpoint are
   * already filtered out. Throwing rolls the whole run back.
   */
  apply: (tx: PoolClient, events: readonly E[]) => Promise<void>;
  /** Events in one transaction at most (default 32), and their size in bytes (default 4 MiB; one event always fits). */
  maxBatch?: number;
  maxBatchBytes?: number;
  /**
   * Attempts of one event applied alone before it is dead-lettered (default 10); a run that fails is first retried
   * twice, then applied one event at a time to find the one that fails. An unreachable database is waited out and
   * never counts.
   */
  maxAttempts?: number;
  backoffMs?: number[];
  deadLetterSubject: string;
  /** How often a standby tries to become the active instance (default 2 s). */
  lockRetryMs?: number;
  /** Called once a run is committed, with its events (metrics, caches). */
  onApplied?: (events: readonly E[]) => void;
}

/**
 * A projection fed in order, several events per transaction, by one active instance per database.
 *
 * One message in flight per projection (a durable consumer with `max_ack_pending: 1`) keeps events in order across
 * replicas but pays a transaction and a NATS round trip for every event. Here the replicas elect one active
 * instance (a session advisory lock, like the relay), which reads the stream with an ordered consumer from the
 * stream sequence stored with its checkpoint and applies what has arrived, up to `maxBatch` events, in one
 * transaction that also moves the checkpoint (position and stream sequence). Nothing is acknowledged: after a crash
 * or a lost connection the next session resumes from the committed checkpoint, so an event is applied once, in
 * order, or not yet. A standby takes over when the leader's connection closes. An event that fails on its own
 * `maxAttempts` times goes to the dead-letter subject with the same headers `runConsumer` writes, and the
 * checkpoint moves past it.
 *
 * The checkpoint table needs a `stream_sequence bigint` column next to `position` (libs/messaging/README.md).
 */
export async function runOrderedProjection<E extends PositionedEvent>(options: OrderedProjectionOptions<E>): Promise<ConsumerHandle> {
  if (!IDENTIFIER.test(options.ref.schema)) throw new Error(`invalid schema name ${JSON.stringify(options.ref.schema)}`);
  const projection = new OrderedProjection(options);
  const closed = projection.run();
  return { stop: () => projection.stop(closed), closed };
}

interface Checkpoint {
  position: number;
  streamSequence: number;
}

class OrderedProjection<E extends PositionedEvent> {
  private readonly logger: Logger;
  private readonly table: string;
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number[];
  private readonly lockRetryMs: number;
  private stopping = false;
  private stopSession?: () => void;
  /** Wakes the loop waiting for messages. */
  private arrived?: () => void;
  /** Wake every sleep (stop, lost lock). */
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly options: OrderedProjectionOptions<E>) {
    this.logger = new Logger(`Projection ${options.ref.schema}.${options.ref.projection}`);
    this.table = `"${options.ref.schema}".projection_checkpoints`;
    this.maxBatch = options.maxBatch ?? 32;
    this.maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoffMs = options.backoffMs ?? [200, 1_000, 5_000];
    this.lockRetryMs = options.lockRetryMs ?? 2_000;
  }

  async run(): Promise<void> {
    while (!this.stopping) {
      const lock = await this.acquireLock();
      if (!lock) return;
      try {
        await this.lead(lock);
      } catch (err) {
        if (!this.stopping) this.logger.warn(`session ended: ${errorMessage(err)}; resuming from the checkpoint`);
      } finally {
        await lock
          .query(`SELECT pg_advisory_unlock(hashtext('llmlab.messaging.projection'), hashtext($1))`, [this.lockName])
          .catch(() => undefined);
        lock.release();
      }
      if (!this.stopping) await this.sleep(this.lockRetryMs);
    }
  }

  async stop(closed: Promise<void>): Promise<void> {
    this.stopping = true;
    this.interrupt();
    await closed;
  }

  private get lockName(): string {
    return `${this.options.ref.schema}.${this.options.ref.projection}`;
  }

  /** A pooled connection holding the projection's lock, or undefined once stopping. */
  private async acquireLock(): Promise<PoolClient | undefined> {
    while (!this.stopping) {
      let client: PoolClient | undefined;
      try {
        client = await this.options.pool.connect();
        const { rows } = await client.query<{ locked: boolean }>(
          `SELECT pg_try_advisory_lock(hashtext('llmlab.messaging.projection'), hashtext($1)) AS locked`,
          [this.lockName],
        );
        if (rows[0].locked) return client;
        client.release();
      } catch (err) {
        client?.release(err as Error);
        this.logger.warn(`cannot reach PostgreSQL for the projection lock: ${errorMessage(err)}`);
      }
      await this.sleep(this.lockRetryMs);
    }
    return undefined;
  }

  /** Reads from the checkpoint and applies until stopped, or until the lock's connection or the stream fails. */
  private async lead(lock: PoolClient): Promise<void> {
    let lost: Error | undefined;
    const onLost = (err?: Error) => {
      lost ??= err ?? new Error('the lock connection closed');
      this.interrupt();
    };
    lock.on('error', onLost);
    lock.on('end', onLost);
    const heartbeat = setInterval(() => lock.query('SELECT 1').catch(onLost), this.lockRetryMs);
    try {
      let checkpoint = await this.readCheckpoint();
      const consumer = await this.options.js.consumers.get(this.options.stream, {
        filter_subjects: this.options.filterSubject,
        opt_start_seq: checkpoint.streamSequence + 1,
      });
      const messages = await consumer.consume({ max_messages: this.maxBatch * 2 });
      this.stopSession = () => messages.stop();
      if (this.stopping || lost) messages.stop();
      const queue: JsMsg[] = [];
      let ended = false;
      let failure: unknown;
      let resume: (() => void) | undefined;
      // The stream's messages into a bounded queue: the consumer pulls again only as this loop takes them.
      const pump = (async () => {
        try {
          for await (const msg of messages) {
            queue.push(msg);
            this.arrived?.();
            while (queue.length >= this.maxBatch * 2 && !this.stopping && !lost) await new Promise<void>((r) => (resume = r));
          }
        } catch (err) {
          failure = err;
        } finally {
          ended = true;
          this.arrived?.();
        }
      })();
      try {
        while (!this.stopping && !lost) {
          if (queue.length === 0) {
            if (ended) throw failure ?? new Error('the stream consumer ended');
            await new Promise<void>((r) => (this.arrived = r));
            this.arrived = undefined;
            continue;
          }
          // Whatever else is already here joins this run.
          await new Promise((r) => setImmediate(r));
          const run = this.takeRun(queue);
          resume?.();
          checkpoint = await this.applyRun(run, checkpoint, () => this.stopping || lost !== undefined);
        }
      } finally {
        messages.stop();
        resume?.();
        await pump;
        this.stopSession = undefined;
      }
      if (lost) throw lost;
    } finally {
      clearInterval(heartbeat);
      lock.off('error', onLost);
      lock.off('end', onLost);
    }
  }

  private takeRun(queue: JsMsg[]): JsMsg[] {
    let bytes = 0;
    let n = 0;
    while (n < queue.length && n < this.maxBatch) {
      bytes += queue[n].data.length;
      if (n > 0 && bytes > this.maxBatchBytes) break;
      n += 1;
    }
    return queue.splice(0, n);
  }

  /**
   * Applies a run in one transaction, retrying it; a run that keeps failing is applied one event at a time, and an
   * event that keeps failing alone is dead-lettered. A data exception (PostgreSQL class 22) is not retried: it
   * would fail again, and every tenant's events wait behind it. Resolves with the checkpoint after the run.
   */
  private async applyRun(run: JsMsg[], checkpoint: Checkpoint, aborted: () => boolean): Promise<Checkpoint> {
    const whole = await this.attempt(run, 3, aborted);
    if (whole.ok) return whole.checkpoint;
    let current = checkpoint;
    for (const msg of run) {
      const alone = await this.attempt([msg], this.maxAttempts, aborted);
      if (alone.ok) {
        current = alone.checkpoint;
        continue;
      }
      current = await this.deadLetter(msg, current, alone.error, aborted);
    }
    return current;
  }

  /** Commits `run` with the checkpoint, up to `attempts` times (an unreachable database is waited out and not counted). */
  private async attempt(
    run: JsMsg[],
    attempts: number,
    aborted: () => boolean,
  ): Promise<{ ok: true; checkpoint: Checkpoint } | { ok: false; error: unknown }> {
    let failures = 0;
    for (;;) {
      if (aborted()) throw new Error('stopped');
      try {
        return { ok: true, checkpoint: await this.commit(run) };
      } catch (err) {
        if (aborted()) throw err;
        if (isDatabaseUnavailable(err)) {
          this.logger.warn(`database unavailable, waiting: ${errorMessage(err)}`);
          await this.sleep(this.backoffMs[0]);
          continue;
        }
        failures += 1;
        const first = run[0].info.streamSequence;
        this.logger.warn(`events at stream sequence ${first} (+${run.length - 1}) failed (attempt ${failures}): ${errorMessage(err)}`);
        // A data exception fails the same way every time: split the run, or dead-letter the event, at once.
        if (failures >= attempts || isDataException(err)) return { ok: false, error: err };
        await this.sleep(backoffDelay(this.backoffMs, failures));
      }
    }
  }

  /** One transaction: lock the checkpoint row, apply the events past it, move it to the run's last message. */
  private async commit(run: JsMsg[]): Promise<Checkpoint> {
    const events = run.map((msg) => msg.json<E>());
    const last = run[run.length - 1].info.streamSequence;
    const { next, fresh } = await inTransaction(this.options.pool, async (client) => {
      const position = await this.lockCheckpoint(client);
      const fresh = events.filter((event) => event.position > position);
      if (fresh.length > 0) await this.options.apply(client, fresh);
      const next = { position: Math.max(position, ...fresh.map((e) => e.position)), streamSequence: last };
      await client.query(`UPDATE ${this.table} SET position = $2, stream_sequence = $3 WHERE projection = $1`, [
        this.options.ref.projection,
        next.position,
        next.streamSequence,
      ]);
      return { next, fresh };
    });
    if (fresh.length > 0) this.options.onApplied?.(fresh);
    return next;
  }

  private async lockCheckpoint(client: PoolClient): Promise<number> {
    const { rows } = await client.query<{ position: string }>(
      `INSERT INTO ${this.table} (projection, position) VALUES ($1, 0)
       ON CONFLICT (projection) DO UPDATE SET projection = EXCLUDED.projection
       RETURNING position`,
      [this.options.ref.projection],
    );
    return Number(rows[0].position);
  }

  private async readCheckpoint(): Promise<Checkpoint> {
    const { rows } = await this.options.pool.query<{ position: string; stream_sequence: string | null }>(
      `SELECT position, stream_sequence FROM ${this.table} WHERE projection = $1`,
      [this.options.ref.projection],
    );
    // A checkpoint written before stream sequences were kept reads the stream from its start: the position skips
    // every event already applied.
    return rows.length === 0
      ? { position: 0, streamSequence: 0 }
      : { position: Number(rows[0].position), streamSequence: Number(rows[0].stream_sequence ?? 0) };
  }

  /** Publishes the message to the dead-letter subject, then moves the checkpoint past it. */
  private async deadLetter(msg: JsMsg, checkpoint: Checkpoint, error: unknown, aborted: () => boolean): Promise<Checkpoint> {
    const reason = errorMessage(error);
    const h = natsHeaders();
    h.set(DeadLetterHeaders.Subject, msg.subject);
    h.set(DeadLetterHeaders.Stream, msg.info.stream);
    h.set(DeadLetterHeaders.StreamSequence, String(msg.info.streamSequence));
    h.set(DeadLetterHeaders.Consumer, `${this.options.ref.schema}.${this.options.ref.projection}`);
    h.set(DeadLetterHeaders.Deliveries, String(this.maxAttempts));
    h.set(DeadLetterHeaders.Error, headerValue(reason));
    for (;;) {
      if (aborted()) throw new Error('stopped');
      try {
        await this.options.js.publish(this.options.deadLetterSubject, msg.data, {
          headers: h,
          msgID: `${msg.info.stream}:${msg.info.streamSequence}:${this.lockName}`,
        });
        await inTransaction(this.options.pool, async (client) => {
          await this.lockCheckpoint(client);
          await client.query(`UPDATE ${this.table} SET stream_sequence = $2 WHERE projection = $1`, [
            this.options.ref.projection,
            msg.info.streamSequence,
          ]);
        });
        this.logger.error(
          `stream sequence ${msg.info.streamSequence} (${msg.subject}) dead-lettered to ${this.options.deadLetterSubject}: ${reason}`,
        );
        return { ...checkpoint, streamSequence: msg.info.streamSequence };
      } catch (err) {
        this.logger.error(`stream sequence ${msg.info.streamSequence}: not dead-lettered yet: ${errorMessage(err)}`);
        await this.sleep(this.backoffMs[this.backoffMs.length - 1]);
      }
    }
  }

  /** Ends the session's reads and every sleep: stopping, or the lock was lost. */
  private interrupt(): void {
    this.stopSession?.();
    this.arrived?.();
    for (const wake of this.sleepers) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
