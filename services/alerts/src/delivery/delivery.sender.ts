import { v7 as uuidv7 } from 'uuid';
import { alertsStreams, type AlertDeliveryJob, type DeliveryEvent } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { deliver, type ChannelRegistry, type DeliveryResult, type RetryPolicy } from '@llmlab/notifications';
import type { RetryLater } from '@llmlab/messaging';
import type { Logger } from 'pino';
import type { ChannelConfigCipher } from '../crypto/channel-config.cipher';
import { systemMetadata } from '../shared/system-metadata';
import { isFinal } from './delivery-record';
import type { DeliveryRepository } from './delivery.repository';

type Outcome =
  | DeliveryResult
  /** Decided here, without sending: the channel is gone, its configuration unreadable, or the attempts spent. */
  | { outcome: 'permanent' | 'dead'; reason: string; attempt: number; detail: string; httpStatus?: undefined };

export interface DeliverySenderOptions {
  retryPolicy: RetryPolicy;
  /** How long a claim keeps other consumers off: longer than one attempt can take. */
  leaseMs: number;
}

/**
 * One delivery job: claim the delivery (attempt counted, lease taken, committed), send once through its channel,
 * record the attempt as an event and in the read model, then let the consumer ack, or put the job back for the
 * retry delay (a receiver's `Retry-After` included). A delivery whose stream already ends in a final event is only
 * brought up to date: after a success nothing is sent again. The window that remains (docs/alerting.md): a crash
 * after the receiver took the request and before the event is appended sends it again, with the same idempotency key.
 */
export class DeliverySender {
  constructor(
    private readonly repository: DeliveryRepository,
    private readonly store: EventStore,
    private readonly channels: ChannelRegistry,
    private readonly cipher: ChannelConfigCipher,
    private readonly logger: Logger,
    private readonly options: DeliverySenderOptions,
  ) {}

  /** Resolves when the job is done with (the consumer acks it), or with the delay after which it is to come back. */
  async handle(job: AlertDeliveryJob): Promise<RetryLater | undefined> {
    const claim = await this.repository.claim(job.deliveryId, this.options.leaseMs);
    if (claim.kind === 'settled') return undefined;
    if (claim.kind === 'leased') return { retryInMs: claim.retryInMs };
    if (await this.caughtUp(job)) return undefined;

    const result = await this.attempt(job, claim.attempt);
    await this.append(job, toEvent(job, result, new Date()));
    if (result.outcome !== 'delivered') {
      this.logger.warn(
        { deliveryId: job.deliveryId, attempt: result.attempt, outcome: result.outcome, detail: result.detail },
        'delivery attempt failed',
      );
    }
    return result.outcome === 'retryable' ? { retryInMs: result.retryInMs } : undefined;
  }

  /**
   * Gives a job up after this service (not the receiver) failed on it every time: recorded as dead, visibly. A
   * delivery that already ended (giving up is retried if the job comes back) keeps its final event.
   */
  async giveUp(job: AlertDeliveryJob, reason: string): Promise<void> {
    if (await this.caughtUp(job)) return;
    await this.append(job, toEvent(job, { outcome: 'dead', reason: 'internal-error', attempt: 0, detail: reason }, new Date()));
  }

  /**
   * True when the delivery's stream already ends in a final event (the process died after appending it, before
   * settling the job); its row is then brought up to date.
   */
  private async caughtUp(job: AlertDeliveryJob): Promise<boolean> {
    const [last] = await this.store.readStream(alertsStreams.delivery(job.deliveryId), { direction: 'backwards', maxCount: 1 });
    if (!last) return false;
    const recorded = { id: last.id, type: last.type, data: last.data } as DeliveryEvent & { id: string };
    if (!isFinal(recorded)) return false;
    await this.repository.record(recorded);
    return true;
  }

  /** The event is the record (the audit log's, and the one a later claim checks); the row follows it. */
  private async append(job: AlertDeliveryJob, event: DeliveryEvent): Promise<void> {
    const id = uuidv7();
    await this.store.appendToStream(
      alertsStreams.delivery(job.deliveryId),
      [{ id, ...event, metadata: systemMetadata(job.organizationId) }],
      {
        expectedRevision: 'any',
      },
    );
    await this.repository.record({ id, ...event });
  }

  private async attempt(job: AlertDeliveryJob, attempt: number): Promise<Outcome> {
    const { maxAttempts } = this.options.retryPolicy;
    if (attempt > maxAttempts) {
      return { outcome: 'dead', reason: 'attempts-exhausted', attempt, detail: `no attempt left (${maxAttempts} allowed)` };
    }
    const target = await this.repository.target(job.deliveryId);
    const channel = target && this.channels.get(target.channel.type);
    if (!target || !channel)
      return { outcome: 'permanent', reason: 'invalid-config', attempt, detail: 'the channel type is not supported' };
    if (target.channel.removed) return { outcome: 'permanent', reason: 'channel-removed', attempt, detail: 'the channel was removed' };
    // A database error throws (the message is retried); a configuration that cannot be decrypted is final.
    const opened = await this.cipher.open(job.channelId, target.channel.config);
    if (!opened.ok) {
      return {
        outcome: 'permanent',
        reason: 'invalid-config',
        attempt,
        detail: 'the stored configuration cannot be decrypted with the master key',
      };
    }
    return deliver({ channel, config: opened.config }, target.notification, {
      idempotencyKey: job.deliveryId,
      attempt,
      retryPolicy: this.options.retryPolicy,
    });
  }
}

function toEvent(job: AlertDeliveryJob, result: Outcome, at: Date): DeliveryEvent {
  const base = {
    deliveryId: job.deliveryId,
    alertId: job.alertId,
    channelId: job.channelId,
    organizationId: job.organizationId,
    attempt: result.attempt,
    httpStatus: result.httpStatus ?? null,
    detail: result.detail,
    at: at.toISOString(),
  };
  switch (result.outcome) {
    case 'delivered':
      return { type: 'DeliverySucceeded', data: { ...base, durationMs: result.durationMs } };
    case 'retryable':
      return { type: 'DeliveryFailed', data: { ...base, outcome: 'retryable', reason: result.reason, retryInMs: result.retryInMs } };
    case 'permanent':
      return { type: 'DeliveryFailed', data: { ...base, outcome: 'permanent', reason: result.reason, retryInMs: null } };
    case 'dead':
      return { type: 'DeliveryDead', data: { ...base, reason: result.reason } };
  }
}
