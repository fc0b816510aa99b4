import { Inject, Injectable } from '@nestjs/common';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import type { AlertDeliveryJob } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, SERVICE_CONFIG, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import type { AlertsConfig } from '../alerts.config';
import { DeliverySender } from './delivery.sender';
import { DELIVERY_STREAM, type DeliveryStream } from './delivery.stream';

const DURABLE = 'alerts-deliveries';
/**
 * Deliveries of a job beyond its attempts: this service's own failures on it (a database outage, say), waits for
 * another consumer's lease, restarts. Past them the job is given up as `DeliveryDead` and dead-lettered.
 */
const SPARE_DELIVERIES = 10;

/**
 * The pull consumer of delivery jobs (`ALERT_DELIVERIES`): each job goes to the sender, and comes back after the
 * delay the retry policy (or the receiver's `Retry-After`) chose. JetStream bounds a job's deliveries (its attempts
 * and `SPARE_DELIVERIES`); within that bound, the row's attempt count bounds what is sent.
 */
@Injectable()
export class DeliveryWorker implements BackgroundWorker {
  readonly name = 'delivery consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_CONFIG) private readonly config: AlertsConfig,
    @Inject(DELIVERY_STREAM) private readonly stream: DeliveryStream,
    private readonly sender: DeliverySender,
  ) {}

  async start(): Promise<void> {
    const { config } = this;
    this.handle = await runConsumer({
      js: jetstream(this.runtime.nats),
      stream: this.stream.name,
      durable: DURABLE,
      concurrency: config.ALERTS_DELIVERY_CONCURRENCY,
      // Jobs put back for a later retry stay pending: room for many of them besides the ones running.
      maxAckPending: config.ALERTS_DELIVERY_CONCURRENCY * 64,
      ackWaitMs: config.ALERTS_DELIVERY_ACK_WAIT_MS,
      maxDeliver: config.ALERTS_DELIVERY_MAX_ATTEMPTS + SPARE_DELIVERIES,
      backoffMs: [1_000, 5_000, 30_000, 120_000],
      deadLetterSubject: this.runtime.streams.subject(`dlq.${DURABLE}`),
      handler: (msg) => this.sender.handle(jobOf(msg)),
      beforeDeadLetter: async (msg) => {
        // A malformed job has no delivery to record; the dead-letter subject keeps it.
        const job = tryJobOf(msg);
        if (job) await this.sender.giveUp(job, `the alerts service failed to process the delivery in ${msg.info.deliveryCount} deliveries`);
      },
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}

function tryJobOf(msg: JsMsg): AlertDeliveryJob | undefined {
  try {
    const job = msg.json<AlertDeliveryJob>();
    return typeof job?.deliveryId === 'string' && typeof job.channelId === 'string' && typeof job.organizationId === 'string'
      ? job
      : undefined;
  } catch {
    return undefined;
  }
}

function jobOf(msg: JsMsg): AlertDeliveryJob {
  const job = tryJobOf(msg);
  if (!job) throw new Error('malformed delivery job');
  return job;
}
