import type { AlertNotification } from '../alert-notification';
import type { NotificationChannel } from '../channels/notification-channel';
import type { OutboundResponse } from '../outbound/outbound-client';
import { DEFAULT_RETRY_POLICY, nextRetryDelay, retryAfterFrom, type RetryPolicy } from './retry.policy';

export type RetryableReason = 'server-error' | 'rate-limited' | 'request-timeout' | 'network' | 'timeout';
export type PermanentReason = 'rejected' | 'redirect' | 'refused' | 'invalid-config' | 'unexpected-status';

interface Attempted {
  attempt: number;
  /** Safe to store and show: HTTP status and the receiver's short answer, or what failed; never the URL. */
  detail: string;
  httpStatus?: number;
}

export type DeliveryResult =
  | (Attempted & { outcome: 'delivered'; httpStatus: number; durationMs: number })
  /** Try again in `retryInMs` (a receiver's `Retry-After` already honoured). */
  | (Attempted & { outcome: 'retryable'; reason: RetryableReason; retryAfterMs?: number; retryInMs: number })
  /** Sending again cannot help: the receiver refused the request, or we refused the destination. */
  | (Attempted & { outcome: 'permanent'; reason: PermanentReason })
  /** Retryable, but this was the last attempt the policy allows. */
  | (Attempted & { outcome: 'dead'; reason: RetryableReason });

export interface DeliveryTarget<TConfig = unknown> {
  channel: NotificationChannel<TConfig>;
  /** The stored configuration, decrypted; parsed again here, never trusted blindly. */
  config: unknown;
}

export interface DeliveryOptions {
  /** One per alert and channel (`<alertId>:<channelId>`): the same on every attempt. */
  idempotencyKey: string;
  /** 1-based; with JetStream, the message's delivery count. */
  attempt: number;
  now?: Date;
  retryPolicy?: RetryPolicy;
  random?: () => number;
}

const MAX_DETAIL_BODY = 200;

function answer(response: OutboundResponse): string {
  const text = response.body.replace(/\s+/g, ' ').trim();
  if (!text) return `HTTP ${response.status}`;
  return `HTTP ${response.status}: ${text.length > MAX_DETAIL_BODY ? text.slice(0, MAX_DETAIL_BODY) + '…' : text}`;
}

/**
 * One attempt to deliver one alert through one channel, classified. Never throws for anything the network or
 * the receiver does; the caller records the result and, for `retryable`, schedules attempt `attempt + 1`.
 */
export async function deliver(target: DeliveryTarget, alert: AlertNotification, options: DeliveryOptions): Promise<DeliveryResult> {
  const { attempt } = options;
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const parsed = target.channel.parseConfig(target.config);
  if (!parsed.ok) {
    const detail = parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return { outcome: 'permanent', reason: 'invalid-config', attempt, detail };
  }
  const now = options.now ?? new Date();
  const request = target.channel.render(alert, parsed.config, { idempotencyKey: options.idempotencyKey, attempt, now });
  const result = await target.channel.send(request);

  const retry = (reason: RetryableReason, detail: string, httpStatus?: number, retryAfterMs?: number): DeliveryResult => {
    const status = httpStatus === undefined ? {} : { httpStatus };
    if (attempt >= policy.maxAttempts) {
      return { outcome: 'dead', reason, attempt, detail: `${detail} (attempt ${attempt} of ${policy.maxAttempts})`, ...status };
    }
    const retryInMs = nextRetryDelay(attempt, retryAfterMs, policy, options.random);
    return {
      outcome: 'retryable',
      reason,
      attempt,
      detail,
      retryInMs,
      ...status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  };

  switch (result.kind) {
    case 'refused':
      return { outcome: 'permanent', reason: 'refused', attempt, detail: `refused: ${result.message}` };
    case 'network':
      return retry('network', `${result.code}: ${result.message}`);
    case 'timeout':
      return retry('timeout', result.message);
    case 'response': {
      const { response } = result;
      const status = response.status;
      if (status >= 200 && status < 300) {
        return { outcome: 'delivered', attempt, httpStatus: status, durationMs: result.durationMs, detail: answer(response) };
      }
      if (status >= 300 && status < 400) {
        return {
          outcome: 'permanent',
          reason: 'redirect',
          attempt,
          httpStatus: status,
          detail: `HTTP ${status}: redirects are not followed; register the final URL`,
        };
      }
      const retryAfterMs = retryAfterFrom(response.headers, response.body, now.getTime());
      if (status === 429) return retry('rate-limited', answer(response), status, retryAfterMs);
      if (status === 408) return retry('request-timeout', answer(response), status, retryAfterMs);
      if (status >= 500) return retry('server-error', answer(response), status, retryAfterMs);
      if (status >= 400) return { outcome: 'permanent', reason: 'rejected', attempt, httpStatus: status, detail: answer(response) };
      return { outcome: 'permanent', reason: 'unexpected-status', attempt, httpStatus: status, detail: answer(response) };
    }
    default: {
      const unreachable: never = result;
      throw new Error(`unhandled outbound result ${JSON.stringify(unreachable)}`);
    }
  }
}
