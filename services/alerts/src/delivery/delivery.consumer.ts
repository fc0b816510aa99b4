import type { AlertDeliveryJob } from '@llmlab/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { DeliveryWorker } from './delivery.worker';

export interface DeliveryConsumerOptions {
  js: JetStreamClient;
  stream: string;
  durable: string;
  worker: DeliveryWorker;
  concurrency: number;
  ackWaitMs: number;
  /** Failures of this service on one job (not the receiver's: those are attempts) before it gives the job up. */
  maxHandlerFailures: number;
  logger: Logger;
}

export interface DeliveryConsumerHandle {
  stop(): Promise<void>;
}

/** Backoff of this service's own failures on a job (a database outage, say), by delivery count. */
const FAILURE_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000];

/**
 * The pull consumer of delivery jobs. It differs from `runConsumer` in one way that matters: a retryable attempt
 * is settled with a nak carrying the delay the retry policy (or the receiver's `Retry-After`) asked for, not the
 * consumer's fixed backoff. Acks wait for the server's confirmation, only after the attempt is recorded.
 */
export async function runDeliveryConsumer(options: DeliveryConsumerOptions): Promise<DeliveryConsumerHandle> {
  const jsm = await options.js.jetstreamManager();
  // Every nak is a delivery, so the server does not count: the delivery row bounds the attempts, and this loop
  // bounds its own failures.
  const settings = { ack_wait: nanos(options.ackWaitMs), max_deliver: -1, max_ack_pending: options.concurrency * 64 };
  try {
    await jsm.consumers.info(options.stream, options.durable);
    await jsm.consumers.update(options.stream, options.durable, settings);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.ConsumerNotFound) throw err;
    const config: Partial<ConsumerConfig> = {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...settings,
    };
    await jsm.consumers.add(options.stream, config);
  }
  const consumer = await options.js.consumers.get(options.stream, options.durable);
  const messages = await consumer.consume({ max_messages: options.concurrency });
  const loop = new Loop(options, messages);
  const closed = loop.run();
  return {
    stop: async () => {
      loop.stopping = true;
      messages.stop();
      await closed;
    },
  };
}

class Loop {
  stopping = false;
  private readonly running = new Set<Promise<void>>();
  /**
   * This service's failures per delivery, apart from the attempts (a message's delivery count mixes both). Kept in
   * memory: after a restart a job gets its full share again, which only delays giving it up.
   */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly options: DeliveryConsumerOptions,
    private readonly messages: ConsumerMessages,
  ) {}

  async run(): Promise<void> {
    try {
      for await (const msg of this.messages) {
        while (this.running.size >= this.options.concurrency) await Promise.race(this.running);
        // Fetched but not started: the server redelivers it after the ack wait.
        if (this.stopping) continue;
        const task: Promise<void> = this.process(msg)
          .catch((err: unknown) => this.options.logger.error({ err, seq: msg.seq }, 'settling a delivery job failed; it comes back'))
          .finally(() => this.running.delete(task));
        this.running.add(task);
      }
    } catch (err) {
      this.options.logger.error({ err }, 'delivery consumer stopped');
    } finally {
      await Promise.allSettled(this.running);
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const job = parseJob(msg);
    if (!job) {
      this.options.logger.error({ seq: msg.seq }, 'malformed delivery job dropped');
      msg.term();
      return;
    }
    const keepAlive = setInterval(() => msg.working(), Math.max(this.options.ackWaitMs / 2, 100));
    try {
      const settlement = await this.options.worker.handle(job);
      this.failures.delete(job.deliveryId);
      if (settlement.kind === 'retry') msg.nak(settlement.delayMs);
      else await msg.ackAck();
    } catch (err) {
      const failures = (this.failures.get(job.deliveryId) ?? 0) + 1;
      this.failures.set(job.deliveryId, failures);
      if (failures >= this.options.maxHandlerFailures) {
        this.options.logger.error({ err, deliveryId: job.deliveryId, failures }, 'giving a delivery job up');
        await this.options.worker.giveUp(job, `the alerts service failed to process the delivery ${failures} times`);
        this.failures.delete(job.deliveryId);
        msg.term();
        return;
      }
      const delay = FAILURE_BACKOFF_MS[Math.min(failures, FAILURE_BACKOFF_MS.length) - 1];
      this.options.logger.warn({ err, deliveryId: job.deliveryId, failures, retryInMs: delay }, 'delivery job failed; retrying');
      msg.nak(delay);
    } finally {
      clearInterval(keepAlive);
    }
  }
}

function parseJob(msg: JsMsg): AlertDeliveryJob | undefined {
  try {
    const job = msg.json<AlertDeliveryJob>();
    return typeof job?.deliveryId === 'string' && typeof job.channelId === 'string' && typeof job.organizationId === 'string'
      ? job
      : undefined;
  } catch {
    return undefined;
  }
}
