export {
  callWithFallbacks,
  systemClock,
  type CallWithFallbacksOptions,
  type UpstreamAnswer,
  type UpstreamAttempt,
  type UpstreamClock,
} from './call-with-fallbacks';
export { UpstreamBreakers, type BreakerOptions, type BreakerState } from './upstream-breakers';
export { type UpstreamRetryOptions } from './retry-policy';
export { upstreamTarget, type UpstreamTarget } from './upstream-target';
export type { AttemptOutcome, AttemptRecord, TargetReport, TargetResult } from './upstream-report';
export { UpstreamCancelled, UpstreamError, UpstreamUnavailable, type UpstreamErrorCode } from './upstream.errors';
export { breakerOptions, retryOptions, upstreamEnv, type UpstreamConfig } from './upstream.config';
