import { nextRetryDelay, parseRetryAfter } from '@llmlab/notifications';
import type { AttemptOutcome } from './upstream-report';

export interface UpstreamRetryOptions {
  /** Tries on one target after its first, before falling back to the next. */
  maxRetries: number;
  /** Full-jitter backoff: the n-th retry waits uniformly in [0, min(backoffMaxMs, backoffBaseMs * 2^(n-1))). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The longest `Retry-After` we wait for; an upstream asking for more is left for the next target. */
  maxRetryAfterMs: number;
}

/**
 * Statuses another try may change: rate limited, and the server-side failures that are usually passing (529 is
 * Anthropic's "overloaded"). Everything else, 4xx above all, would fail the same way anywhere.
 */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504, 529]);

/** Connection errors that a new connection may not meet again; others (DNS, TLS, bad URL) will. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function isRetryable(outcome: AttemptOutcome): boolean {
  switch (outcome.kind) {
    case 'status':
      return RETRYABLE_STATUSES.has(outcome.status);
    case 'timeout':
      return true;
    case 'connection':
      return TRANSIENT_CODES.has(outcome.code);
    case 'cancelled':
      return false;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

/**
 * Whether an outcome says the target itself is unwell, for its circuit breaker. A 429 does not: the proxy forwards
 * each caller's own provider key, so one caller's exhausted quota must not close the target to everyone else.
 */
export function countsAgainstTarget(outcome: AttemptOutcome): boolean {
  switch (outcome.kind) {
    case 'status':
      return outcome.status !== 429 && RETRYABLE_STATUSES.has(outcome.status);
    case 'timeout':
    case 'connection':
      return true;
    case 'cancelled':
      return false;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

/**
 * The wait an answer asks for, in milliseconds: OpenAI's `retry-after-ms` first (finer, and sent beside
 * `Retry-After`), then `Retry-After` as delta-seconds or an HTTP date (RFC 9110 section 10.2.3).
 */
export function requestedWaitMs(headers: Headers, now: number): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.ceil(Number(ms));
  const retryAfter = parseRetryAfter(headers.get('retry-after') ?? undefined, now);
  return retryAfter === undefined ? undefined : Math.ceil(retryAfter);
}

/** The wait before retry `retry` (1-based) when the upstream asked for none (libs/notifications' full jitter). */
export function backoffMs(retry: number, options: UpstreamRetryOptions, random: () => number): number {
  const policy = {
    maxAttempts: options.maxRetries + 1,
    baseDelayMs: options.backoffBaseMs,
    maxDelayMs: options.backoffMaxMs,
    maxRetryAfterMs: options.maxRetryAfterMs,
  };
  return nextRetryDelay(retry, undefined, policy, random);
}
