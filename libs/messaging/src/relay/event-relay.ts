import type { RecordedEvent } from '@llmlab/contracts';
import type { EventStore, EventSubscription } from '@llmlab/event-store';
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { errorMessage } from '../error-text';
import { eventSubject, streamTopology, type StreamTopology } from '../jetstream/streams';

export interface EventRelayOptions {
  store: EventStore;
  /** The event store's database: the checkpoint table and the leader lock live there. */
  databaseUrl: string;
  js: JetStreamClient;
  /** Streams to publish to; the events stream's name also names the relay (checkpoint row, lock). */
  topology?: StreamTopology;
  /** Write the checkpoint after this many acknowledged events (and always on stop). */
  checkpointEvery?: number;
  /** Publishes awaiting their PubAck at once; 1 awaits each before the next. */
  maxInFlight?: number;
  /** How often a standby tries to take the lock, and how often the leader checks it still holds it. */
  lockRetryMs?: number;
  publishTimeoutMs?: number;
}

interface InFlight {
  position: number;
  /** The stream sequence this event must land on. */
  seq: number;
  ack: Promise<PubAck>;
}

/**
 * Tails the event store and publishes every event to JetStream, in position order, each exactly once.
 *
 * One relay is active per database (a session advisory lock on a dedicated connection); the others wait and
 * take over when the leader's connection closes. Each publish carries `Nats-Msg-Id` = event id and the stream
 * sequence it must land on (`Nats-Expected-Last-Sequence`), so a lost publish or a second relay can never
 * interleave or reorder the stream: the publish is refused and the relay resynchronises from the stream's
 * last message. On (re)start it resumes after the later of its checkpoint and that last message, so neither a
 * crash nor a restart beyond the duplicate window republishes anything.
 */
export class EventRelay {
  private readonly logger = new Logger(EventRelay.name);
  private readonly topology: StreamTopology;
  private readonly name: string;
  private readonly checkpointEvery: number;
  private readonly maxInFlight: number;
  private readonly lockRetryMs: number;
  private readonly publishTimeoutMs: number;
  private jsm?: JetStreamManager;
  private running?: Promise<void>;
  private stopping = false;
  private leader = false;
  private acknowledged = 0;
  private subscription?: EventSubscription;
  private wake?: () => void;

  constructor(private readonly options: EventRelayOptions) {
    this.topology = options.topology ?? streamTopology();
    this.name = this.topology.events.name;
    this.checkpointEvery = options.checkpointEvery ?? 500;
    this.maxInFlight = options.maxInFlight ?? 64;
    this.lockRetryMs = options.lockRetryMs ?? 3_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  }

  /** True while this instance holds the lock and publishes. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Position of the last event JetStream acknowledged to this instance. */
  get position(): number {
    return this.acknowledged;
  }

  /** Returns at once; the relay competes for the lock and publishes in the background until `stop()`. */
  start(): void {
    if (this.running) throw new Error('relay already started');
    this.running = this.run();
  }

  /** Finishes the publishes in flight, writes the checkpoint and releases the lock. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.subscription?.stop();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const lock = await this.acquireLock();
      if (!lock) break;
      try {
        await this.lead(lock);
      } finally {
        this.leader = false;
        await lock.end().catch(() => undefined);
      }
    }
  }

  /** Resolves with a connection holding the lock, or undefined once stopping. */
  private async acquireLock(): Promise<Client | undefined> {
    while (!this.stopping) {
      const client = new Client({
        connectionString: this.options.databaseUrl,
        application_name: `llmlab-relay ${this.name} pid ${process.pid}`,
        keepAlive: true,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        while (!this.stopping) {
          const { rows } = await client.query<{ locked: boolean }>(
            `SELECT pg_try_advisory_lock(hashtext('llmlab.messaging.relay'), hashtext($1)) AS locked`,
            [this.name],
          );
          if (rows[0].locked) return client;
          await this.sleep(this.lockRetryMs);
        }
      } catch (err) {
        this.logger.warn(`${this.name}: cannot reach PostgreSQL for the relay lock: ${errorMessage(err)}`);
      }
      await client.end().catch(() => undefined);
      await this.sleep(this.lockRetryMs);
    }
    return undefined;
  }

  /** Publishes while the lock holds; a failed session (NATS down, publish refused) restarts from the stream. */
  private async lead(lock: Client): Promise<void> {
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      this.logger.error(`${this.name}: lost the relay lock connection, stepping down`);
      void this.subscription?.stop();
      this.wake?.();
    };
    lock.on('error', onLost);
    lock.on('end', onLost);
    // A connection can die silently (a network partition): the server then frees the lock for a standby, so
    // the leader must notice too, even when no event flows.
    const heartbeat = setInterval(() => {
      lock.query('SELECT 1').catch(onLost);
    }, this.lockRetryMs);
    this.leader = true;
    this.logger.log(`${this.name}: relay is the leader (pid ${process.pid})`);
    try {
      while (!this.stopping && !lost) {
        try {
          await this.session(lock);
        } catch (err) {
          if (lost || this.stopping) break;
          this.logger.warn(`${this.name}: ${errorMessage(err)}; resynchronising in ${this.lockRetryMs} ms`);
          await this.sleep(this.lockRetryMs);
        }
      }
    } finally {
      clearInterval(heartbeat);
      lock.off('error', onLost);
      lock.off('end', onLost);
      if (!lost) {
        await lock.query(`SELECT pg_advisory_unlock(hashtext('llmlab.messaging.relay'), hashtext($1))`, [this.name]).catch(() => undefined);
      }
    }
  }

  private async session(lock: Client): Promise<void> {
    this.jsm ??= await this.options.js.jetstreamManager();
    const checkpoint = await this.readCheckpoint(lock);
    const tail = await this.streamTail(this.jsm);
    const from = Math.max(checkpoint, tail.position);
    this.acknowledged = from;
    if (this.stopping) return;
    this.logger.log(`${this.name}: publishing after position ${from} (checkpoint ${checkpoint}, stream seq ${tail.seq})`);
    const subscription = this.options.store.subscribeToAll({ fromPosition: from });
    this.subscription = subscription;
    if (this.stopping) await subscription.stop();
    try {
      await this.pump(subscription, lock, tail.seq);
    } finally {
      await subscription.stop();
      this.subscription = undefined;
      if (this.acknowledged > checkpoint) await this.writeCheckpoint(lock, this.acknowledged);
    }
  }

  /**
   * Publishes in position order with up to `maxInFlight` PubAcks outstanding, settling them oldest first. It
   * waits on whichever comes first, the next event or the oldest ack, so an idle store still gets its last
   * publishes confirmed (and a failure noticed) without waiting for another event.
   */
  private async pump(subscription: EventSubscription, lock: Client, lastSeq: number): Promise<void> {
    const events = subscription[Symbol.asyncIterator]();
    const inFlight: InFlight[] = [];
    let seq = lastSeq;
    let sinceCheckpoint = 0;
    const pull = () => {
      const next = events.next();
      next.catch(() => undefined);
      return next;
    };
    let next = pull();
    const settleOldest = async () => {
      const head = inFlight.shift()!;
      // A refused publish (wrong last sequence) or a duplicate means the stream is not where this relay thought:
      // another relay published, or a publish was lost. The caller resynchronises from the stream's tail.
      const ack = await head.ack;
      if (ack.duplicate) throw new Error(`event ${head.position} is already in the stream (seq ${ack.seq})`);
      if (ack.seq !== head.seq) throw new Error(`event ${head.position} landed on seq ${ack.seq} instead of ${head.seq}`);
      this.acknowledged = head.position;
      if (++sinceCheckpoint >= this.checkpointEvery) {
        sinceCheckpoint = 0;
        await this.writeCheckpoint(lock, head.position);
      }
    };
    try {
      for (;;) {
        let step: 'event' | 'ack';
        if (inFlight.length >= this.maxInFlight) step = 'ack';
        else if (inFlight.length === 0) step = 'event';
        else {
          step = await Promise.race([
            next.then(() => 'event' as const),
            inFlight[0].ack.then(
              () => 'ack' as const,
              () => 'ack' as const,
            ),
          ]);
        }
        if (step === 'ack') {
          await settleOldest();
          continue;
        }
        const result = await next;
        if (result.done) {
          if (this.stopping) break;
          throw new Error('the event store subscription ended');
        }
        seq += 1;
        inFlight.push({ position: result.value.position, seq, ack: this.publish(result.value, seq - 1) });
        next = pull();
      }
      while (inFlight.length > 0) await settleOldest();
    } finally {
      // Whatever is still out must settle before a resync reads the stream's tail, or it could land after it.
      await Promise.allSettled(inFlight.map((f) => f.ack));
    }
  }

  private publish(event: RecordedEvent, expectedLastSeq: number): Promise<PubAck> {
    const ack = this.options.js.publish(eventSubject(event, this.topology), JSON.stringify(event), {
      msgID: event.id,
      expect: { lastSequence: expectedLastSeq },
      timeout: this.publishTimeoutMs,
    });
    // Awaited in turn by settleOldest; until then a rejection must not count as unhandled.
    ack.catch(() => undefined);
    return ack;
  }

  /** The stream's last sequence and the position of the event stored there (0 and 0 when empty). */
  private async streamTail(jsm: JetStreamManager): Promise<{ seq: number; position: number }> {
    const stream = this.topology.events.name;
    const seq = (await jsm.streams.info(stream)).state.last_seq;
    if (seq === 0) return { seq, position: 0 };
    const last = await jsm.streams.getMessage(stream, { seq });
    if (!last) return { seq, position: 0 };
    const position = last.json<Partial<RecordedEvent>>().position;
    if (typeof position !== 'number') throw new Error(`${stream} #${seq} is not an event of the store (no position)`);
    return { seq, position };
  }

  private async readCheckpoint(lock: Client): Promise<number> {
    const { rows } = await lock.query<{ position: string }>(`SELECT position FROM messaging.relay_checkpoints WHERE relay = $1`, [
      this.name,
    ]);
    return rows.length ? Number(rows[0].position) : 0;
  }

  private async writeCheckpoint(lock: Client, position: number): Promise<void> {
    await lock.query(
      `INSERT INTO messaging.relay_checkpoints (relay, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (relay) DO UPDATE SET position = GREATEST(messaging.relay_checkpoints.position, EXCLUDED.position),
                                         updated_at = now()`,
      [this.name, position],
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
