import { z } from '@llmlab/config';
import type { UpstreamRetryOptions } from './retry-policy';
import type { BreakerOptions } from './upstream-breakers';

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The proxy's environment for retries, fallbacks and circuit breakers (spread into `proxyEnv`). The retry defaults
 * are those of OpenAI's and Anthropic's SDKs, which also retry: a caller's SDK and the proxy together try up to
 * (1 + its retries) × (1 + ours) times per target.
 */
export const upstreamEnv = {
  /** Tries on one target after its first, before the route's next target. */
  PROXY_UPSTREAM_MAX_RETRIES: count(2),
  PROXY_UPSTREAM_BACKOFF_BASE_MS: positive(500),
  PROXY_UPSTREAM_BACKOFF_MAX_MS: positive(8_000),
  /** A provider asking to wait longer than this (`Retry-After`) is left for the next target at once. */
  PROXY_UPSTREAM_MAX_RETRY_AFTER_MS: count(10_000),
  /** Consecutive failures (5xx, timeouts, connection errors; never 4xx or 429) that open a target's breaker. */
  PROXY_BREAKER_FAILURE_THRESHOLD: positive(5),
  /** How long an open breaker skips its target before one call probes it. */
  PROXY_BREAKER_HALF_OPEN_AFTER_MS: positive(30_000),
  /** Breakers kept in memory, least recently used dropped first. */
  PROXY_BREAKER_MAX_TARGETS: positive(1_000),
};

export interface UpstreamConfig {
  PROXY_UPSTREAM_MAX_RETRIES: number;
  PROXY_UPSTREAM_BACKOFF_BASE_MS: number;
  PROXY_UPSTREAM_BACKOFF_MAX_MS: number;
  PROXY_UPSTREAM_MAX_RETRY_AFTER_MS: number;
  PROXY_BREAKER_FAILURE_THRESHOLD: number;
  PROXY_BREAKER_HALF_OPEN_AFTER_MS: number;
  PROXY_BREAKER_MAX_TARGETS: number;
}

export function retryOptions(config: UpstreamConfig): UpstreamRetryOptions {
  return {
    maxRetries: config.PROXY_UPSTREAM_MAX_RETRIES,
    backoffBaseMs: config.PROXY_UPSTREAM_BACKOFF_BASE_MS,
    backoffMaxMs: config.PROXY_UPSTREAM_BACKOFF_MAX_MS,
    maxRetryAfterMs: config.PROXY_UPSTREAM_MAX_RETRY_AFTER_MS,
  };
}

export function breakerOptions(config: UpstreamConfig): BreakerOptions {
  return {
    failureThreshold: config.PROXY_BREAKER_FAILURE_THRESHOLD,
    halfOpenAfterMs: config.PROXY_BREAKER_HALF_OPEN_AFTER_MS,
    maxTargets: config.PROXY_BREAKER_MAX_TARGETS,
  };
}
