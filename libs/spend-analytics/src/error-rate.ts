export interface RequestCounts {
  requests: number;
  errors: number;
}

export interface ErrorRateOptions {
  /** Requests the current window needs before its rate means anything. */
  minRequests?: number;
  /** Requests the baseline window needs; below it a project has no "usual" rate yet and nothing fires. */
  minBaselineRequests?: number;
  /** A rate below this never fires, however low the baseline: 2 failures in 100 calls is not an incident. */
  minErrorRate?: number;
  /** The rate must also be at least this multiple of the baseline rate. */
  minRatio?: number;
  /** Standard errors above the baseline rate (binomial, at the current request count) that fire. */
  sensitivity?: number;
  /** The baseline rate is taken as at least this, so a spotless history still has a finite standard error. */
  baselineFloor?: number;
}

export interface ErrorRateSpike {
  fires: boolean;
  reason: 'spike' | 'normal' | 'insufficient-requests' | 'insufficient-history';
  /** Fractions, 0–1. Rates are not money: plain numbers. */
  rate: number;
  baselineRate: number;
  threshold: number;
  score: number;
}

const DEFAULTS: Required<ErrorRateOptions> = {
  minRequests: 50,
  minBaselineRequests: 200,
  minErrorRate: 0.05,
  minRatio: 2,
  sensitivity: 4,
  baselineFloor: 0.001,
};

function checkCounts(counts: RequestCounts, field: string): void {
  const { requests, errors } = counts;
  if (!Number.isSafeInteger(requests) || !Number.isSafeInteger(errors) || requests < 0 || errors < 0 || errors > requests) {
    throw new RangeError(`${field}: requests and errors must be integers with 0 <= errors <= requests`);
  }
}

/**
 * Whether the share of failed model calls in the current window (e.g. the last 15 minutes) is far above the
 * baseline window's (e.g. the previous 7 days). Fires only when the rate clears all three bars: a binomial
 * z-test against the baseline rate, a multiple of it, and an absolute floor, with enough requests in both.
 */
export function detectErrorRateSpike(current: RequestCounts, baseline: RequestCounts, options: ErrorRateOptions = {}): ErrorRateSpike {
  const o = { ...DEFAULTS, ...options };
  checkCounts(current, 'current');
  checkCounts(baseline, 'baseline');
  const rate = current.requests ? current.errors / current.requests : 0;
  const baselineRate = Math.max(baseline.requests ? baseline.errors / baseline.requests : 0, o.baselineFloor);
  const standardError = Math.sqrt((baselineRate * (1 - baselineRate)) / Math.max(current.requests, 1));
  const threshold = Math.min(1, Math.max(baselineRate + o.sensitivity * standardError, baselineRate * o.minRatio, o.minErrorRate));
  const score = standardError > 0 ? (rate - baselineRate) / standardError : 0;
  const base = { rate, baselineRate, threshold, score: Math.round(score * 100) / 100 };
  if (baseline.requests < o.minBaselineRequests) return { ...base, fires: false, reason: 'insufficient-history' };
  if (current.requests < o.minRequests) return { ...base, fires: false, reason: 'insufficient-requests' };
  const fires = rate >= threshold;
  return { ...base, fires, reason: fires ? 'spike' : 'normal' };
}
