import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers as natsHeaders, nanos } from '@nats-io/nats-core';
import { Logger } from '@nestjs/common';
import { errorMessage, headerValue } from '../error-text';
import { isDataException } from '../request-reply/request-handler';

/** Headers a dead-lettered message carries, next to the original message's own. */
export const DeadLetterHeaders = {
  Subject: 'Dlq-Subject',
  Stream: 'Dlq-Stream',
  StreamSequence: 'Dlq-Stream-Sequence',
  Consumer: 'Dlq-Consumer',
  Deliveries: 'Dlq-Deliveries',
  Error: 'Dlq-Error',
} as const;

/**
 * What a handler resolves with to put its message back for a delay of its own choosing (a receiver's
 * `Retry-After`, another replica's lease): the message is not acknowledged, and this is not a failure.
 */
export interface RetryLater {
  retryInMs: number;
}

export interface ConsumerOptions {
  js: JetStreamClient;
  stream: string;
  /** Durable name: replicas of a service using the same name share the work. */
  durable: string;
  filterSubject?: string;
  /**
   * Does the work and resolves once it is committed; the message is acknowledged only then, unless the handler
   * resolves with `RetryLater`. Throwing (or rejecting) schedules a redelivery after the next backoff step.
   */
  handler: (msg: JsMsg) => Promise<void | RetryLater>;
  /** Handlers running at once in this process. */
  concurrency: number;
  /**
   * Deliveries of a message, every one counted (failures, and retries a handler asked for), before it goes to the
   * dead-letter subject.
   */
  maxDeliver: number;
  /** Redelivery delay after a failure on the n-th delivery (the last entry repeats). */
  backoffMs: number[];
  deadLetterSubject: string;
  /**
   * Runs before a message is dead-lettered, with the reason, so the service can record that it gave the message
   * up. If it throws (or the dead-letter publish fails) the message is not dead-lettered yet: it comes back once
   * more and the hook runs again then, so it must be idempotent.
   */
  beforeDeadLetter?: (msg: JsMsg, reason: string) => Promise<void>;
  /**
   * Unacknowledged messages the server hands out across all replicas. Set 1 for a projection that must see
   * events in order: the next message waits until this one is acknowledged or dead-lettered.
   */
  maxAckPending?: number;
  /** The server redelivers a message not acknowledged within this time; a running handler keeps extending it. */
  ackWaitMs?: number;
}

export interface ConsumerHandle {
  /**
   * Stops taking messages and waits for the running handlers to settle. Messages fetched but not started are
   * redelivered (to another replica or the next start) once their ack wait expires.
   */
  stop(): Promise<void>;
  /** Settles when the consumer has ended, after `stop()` or because the connection closed. */
  readonly closed: Promise<void>;
}

/**
 * A durable pull consumer with explicit acks, bounded concurrency, backoff and a dead-letter subject: the
 * nats.js consumer loop, written once for every service.
 */
export async function runConsumer(options: ConsumerOptions): Promise<ConsumerHandle> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error('concurrency must be a positive integer');
  if (!Number.isInteger(options.maxDeliver) || options.maxDeliver < 1) throw new Error('maxDeliver must be a positive integer');
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  await upsertConsumer(await options.js.jetstreamManager(), options, ackWaitMs);
  const consumer = await options.js.consumers.get(options.stream, options.durable);
  // The client pulls again only as the loop takes messages, so at most `concurrency` wait in its buffer.
  const messages = await consumer.consume({ max_messages: options.concurrency });
  const loop = new ConsumerLoop(options, ackWaitMs, messages);
  const closed = loop.run();
  return { stop: () => loop.stop(closed), closed };
}

/**
 * The server allows one delivery more than `maxDeliver`: if the process died during the last attempt, or the
 * dead-letter hook or publish failed, that extra delivery dead-letters the message instead of leaving it stuck
 * unacknowledged forever.
 */
async function upsertConsumer(jsm: JetStreamManager, options: ConsumerOptions, ackWaitMs: number): Promise<void> {
  const settings = {
    ack_wait: nanos(ackWaitMs),
    max_deliver: options.maxDeliver + 1,
    ...(options.maxAckPending !== undefined ? { max_ack_pending: options.maxAckPending } : {}),
    ...(options.filterSubject !== undefined ? { filter_subject: options.filterSubject } : {}),
  };
  try {
    await jsm.consumers.info(options.stream, options.durable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.ConsumerNotFound) throw err;
    const config: Partial<ConsumerConfig> = {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...settings,
    };
    await jsm.consumers.add(options.stream, config);
    return;
  }
  await jsm.consumers.update(options.stream, options.durable, settings);
}

class ConsumerLoop {
  private readonly logger: Logger;
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly options: ConsumerOptions,
    private readonly ackWaitMs: number,
    private readonly messages: ConsumerMessages,
  ) {
    this.logger = new Logger(`Consumer ${options.stream}/${options.durable}`);
  }

  async run(): Promise<void> {
    try {
      for await (const msg of this.messages) {
        while (this.running.size >= this.options.concurrency) await Promise.race(this.running);
        // Fetched but not started: left unacknowledged, the server redelivers it after the ack wait. A nak would
        // not be quicker: the server hands it straight back to this consumer's still-open pull request.
        if (this.stopping) continue;
        const task: Promise<void> = this.process(msg)
          // Settling a message can fail only with the connection (closed while acking); the server redelivers.
          .catch((err: unknown) => this.logger.error(`${msg.subject} #${msg.seq}: ${errorMessage(err)}`))
          .finally(() => this.running.delete(task));
        this.running.add(task);
      }
    } catch (err) {
      this.logger.error(`consumer stopped: ${errorMessage(err)}`);
    } finally {
      await Promise.allSettled(this.running);
    }
  }

  async stop(closed: Promise<void>): Promise<void> {
    this.stopping = true;
    this.messages.stop();
    await closed;
  }

  private async process(msg: JsMsg): Promise<void> {
    const delivery = msg.info.deliveryCount;
    if (delivery > this.options.maxDeliver) {
      await this.deadLetter(msg, 'the last allowed delivery ended without an answer');
      return;
    }
    const keepAlive = setInterval(() => msg.working(), Math.max(this.ackWaitMs / 2, 100));
    let outcome: void | RetryLater = undefined;
    let failure: unknown;
    let failed = false;
    try {
      outcome = await this.options.handler(msg);
    } catch (err) {
      failed = true;
      failure = err;
    } finally {
      clearInterval(keepAlive);
    }
    if (!failed && outcome) {
      // Put back as the handler asked, unless that would take the delivery the server keeps for dead-lettering.
      if (delivery >= this.options.maxDeliver) await this.deadLetter(msg, `still to be retried after ${delivery} deliveries`);
      else msg.nak(outcome.retryInMs);
      return;
    }
    if (!failed) {
      // Awaiting the server's confirmation means stop() returns with every finished message settled, and a
      // lost ack is at least logged: the message will come again, and the handler's idempotency absorbs it.
      await msg.ackAck().catch((err: unknown) => {
        this.logger.warn(`${msg.subject} #${msg.seq}: acknowledgement not confirmed: ${errorMessage(err)}`);
      });
      return;
    }
    // A data exception (PostgreSQL class 22) fails the same way on every delivery: dead-lettered at once, so that a
    // consumer holding one message at a time does not keep the others waiting through its backoff.
    if (delivery >= this.options.maxDeliver || isDataException(failure)) {
      await this.deadLetter(msg, errorMessage(failure));
      return;
    }
    const delay = backoffDelay(this.options.backoffMs, delivery);
    this.logger.warn(`${msg.subject} #${msg.seq} failed (delivery ${delivery}), retrying in ${delay} ms: ${errorMessage(failure)}`);
    msg.nak(delay);
  }

  private async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    if (this.options.beforeDeadLetter) {
      try {
        await this.options.beforeDeadLetter(msg, reason);
      } catch (err) {
        this.logger.error(`${msg.subject} #${msg.seq}: not dead-lettered yet, its hook failed: ${errorMessage(err)}`);
        msg.nak(backoffDelay(this.options.backoffMs, msg.info.deliveryCount));
        return;
      }
    }
    const h = natsHeaders();
    for (const [key, values] of msg.headers ?? []) {
      if (!key.startsWith('Nats-')) for (const value of values) h.append(key, value);
    }
    h.set(DeadLetterHeaders.Subject, msg.subject);
    h.set(DeadLetterHeaders.Stream, msg.info.stream);
    h.set(DeadLetterHeaders.StreamSequence, String(msg.info.streamSequence));
    h.set(DeadLetterHeaders.Consumer, this.options.durable);
    h.set(DeadLetterHeaders.Deliveries, String(msg.info.deliveryCount));
    h.set(DeadLetterHeaders.Error, headerValue(reason));
    try {
      await this.options.js.publish(this.options.deadLetterSubject, msg.data, {
        headers: h,
        // A second dead-lettering of the same message (the extra delivery) is dropped by the window.
        msgID: `${msg.info.stream}:${msg.info.streamSequence}:${this.options.durable}`,
      });
    } catch (err) {
      this.logger.error(`${msg.subject} #${msg.seq}: dead-letter publish failed, will retry on redelivery: ${errorMessage(err)}`);
      msg.nak(backoffDelay(this.options.backoffMs, msg.info.deliveryCount));
      return;
    }
    this.logger.error(`${msg.subject} #${msg.seq} dead-lettered to ${this.options.deadLetterSubject}: ${reason}`);
    // No reason on term(): servers before 2.11 do not recognise `+TERM <reason>` and would ignore the term.
    msg.term();
  }
}

export function backoffDelay(backoffMs: number[], delivery: number): number {
  if (backoffMs.length === 0) return 0;
  return backoffMs[Math.min(delivery, backoffMs.length) - 1];
}
