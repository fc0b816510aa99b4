/** What one attempt came to: the upstream's status, or why there was none. */
export type AttemptOutcome =
  | { kind: 'status'; status: number }
  /** No status and headers within the target's `timeoutMs` (or undici's own headers timeout). */
  | { kind: 'timeout' }
  /** Refused, reset, unreachable, TLS…: `code` as Node or undici named it (`ECONNREFUSED`, `UND_ERR_SOCKET`). */
  | { kind: 'connection'; code: string }
  /** The caller went away during the attempt. */
  | { kind: 'cancelled' };

export interface AttemptRecord {
  outcome: AttemptOutcome;
  /** What the upstream asked for with `retry-after-ms` or `Retry-After`, when it did. */
  retryAfterMs?: number;
  /** How long we waited before the next attempt on the same target (absent: no next attempt there). */
  waitedMs?: number;
}

/**
 * Why the walk left a target. `answered`: its answer is the one returned (a success, or an error another try
 * would not change); `circuit-open`: skipped without connecting (open breaker, or its one probe in flight), or left
 * when its failures opened the breaker;
 * `retries-exhausted`: every try failed; `retry-after-too-long`: it asked for a longer wait than the cap;
 * `connection-failed`: a connection error no retry mends (DNS, TLS); `cancelled`: the caller went away.
 */
export type TargetResult = 'answered' | 'circuit-open' | 'retries-exhausted' | 'retry-after-too-long' | 'connection-failed' | 'cancelled';

export interface TargetReport {
  targetId: string;
  model: string;
  result: TargetResult;
  attempts: AttemptRecord[];
}
