import type { IncomingHttpHeaders } from 'node:http';

export interface RetryPolicy {
  /** Attempts in all, the first included; a retryable failure on the last one makes the delivery `dead`. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Cap of our own backoff. */
  maxDelayMs: number;
  /** Cap of a receiver's `Retry-After`, so one answer cannot park a delivery for a day. */
  maxRetryAfterMs: number;
}

/**
 * Twelve attempts; the eleven waits between them add up to at most 47 minutes (2 s, 4 s, … 512 s, then the 15-minute
 * cap twice) and to 23.5 minutes on average, full jitter halving each. Long enough to ride out a Slack or Discord
 * incident or a deploy of the customer's receiver, short enough that an alert is still news when it arrives.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 12,
  baseDelayMs: 2_000,
  maxDelayMs: 15 * 60_000,
  maxRetryAfterMs: 60 * 60_000,
};

/**
 * How long to wait after failed attempt `attempt` (1-based): exponential backoff with full jitter (uniform in
 * [0, min(max, base * 2^(attempt-1)))), so receivers knocked over together are not hit again in lockstep. A
 * receiver's `retryAfterMs` is a floor: we never come back sooner than it asked.
 */
export function nextRetryDelay(
  attempt: number,
  retryAfterMs?: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const backoff = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined) return backoff;
  return Math.max(backoff, Math.min(Math.ceil(retryAfterMs), policy.maxRetryAfterMs));
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text) * 1000;
}

/** `Retry-After` is delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const delay = seconds(value);
  if (delay !== undefined) return delay;
  // Every HTTP date starts with a day name; Date.parse alone would read "-1" or "2025" as dates.
  if (!/^\s*[A-Za-z]/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The longest wait a rate-limited answer asks for: the `Retry-After` header, Discord's `X-RateLimit-Reset-After`,
 * and a JSON body's `retry_after` in seconds (Discord documents it; Slack's Web API sends it on some answers).
 */
export function retryAfterFrom(headers: IncomingHttpHeaders, body: string, now: number = Date.now()): number | undefined {
  const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const candidates = [parseRetryAfter(single(headers['retry-after']), now), seconds(single(headers['x-ratelimit-reset-after']))];
  try {
    const parsed: unknown = JSON.parse(body);
    const retryAfter = (parsed as { retry_after?: unknown } | null)?.retry_after;
    if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0) candidates.push(retryAfter * 1000);
  } catch {
    // Not JSON (Slack answers plain text): the headers are all there is.
  }
  const known = candidates.filter((c): c is number => c !== undefined);
  return known.length ? Math.max(...known) : undefined;
}
