import { setTimeout as delay } from 'node:timers/promises';
import { backoffMs, countsAgainstTarget, isRetryable, requestedWaitMs, type UpstreamRetryOptions } from './retry-policy';
import type { UpstreamBreakers } from './upstream-breakers';
import type { AttemptOutcome, AttemptRecord, TargetReport } from './upstream-report';
import type { UpstreamTarget } from './upstream-target';
import { UpstreamCancelled, UpstreamUnavailable } from './upstream.errors';

/**
 * Performs one HTTP call to `target` (Node's fetch) and resolves with the `Response` once its status and headers
 * have arrived, without reading the body. It must honour `signal`, which stays linked to the caller's signal
 * while the returned body is read; it may be called again for the same target (keep the request body replayable).
 */
export type UpstreamAttempt = (target: UpstreamTarget, signal: AbortSignal) => Promise<Response>;

/** Time for the waits between retries, replaceable in tests (the first-byte timeouts stay real timers). */
export interface UpstreamClock {
  now(): number;
  /** Rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

export const systemClock: UpstreamClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

export interface CallWithFallbacksOptions extends UpstreamRetryOptions {
  breakers: UpstreamBreakers;
  /**
   * The caller's, one per call: aborting it cancels the attempt in flight, any wait, and the returned body (a
   * listener stays on it for that body, so a signal that outlives its call would collect them).
   */
  signal?: AbortSignal;
  /** Uniform in [0, 1): the backoff's jitter. */
  random?: () => number;
  clock?: UpstreamClock;
}

/**
 * `answered`: a target's own answer (a success, or an error another try would not change, returned at once);
 * `exhausted`: every target failed and this is the last answer one of them gave, so the caller relays the
 * provider's real error and records the call as failed with its status.
 */
export interface UpstreamAnswer {
  kind: 'answered' | 'exhausted';
  response: Response;
  target: UpstreamTarget;
  targets: TargetReport[];
}

/**
 * Calls the targets in order until one answers: retries a target on a retryable outcome (up to `maxRetries`,
 * waiting as its `Retry-After` asks or with full-jitter backoff), skips a target whose breaker is open, and falls
 * back to the next. Throws `UpstreamUnavailable` when no target gave any answer, `UpstreamCancelled` when the
 * caller's signal aborted; an error of `attempt` that is not a network error (a bug) is thrown as it is.
 */
export async function callWithFallbacks(
  targets: readonly UpstreamTarget[],
  attempt: UpstreamAttempt,
  options: CallWithFallbacksOptions,
): Promise<UpstreamAnswer> {
  const { breakers, signal: caller, random = Math.random, clock = systemClock } = options;
  const reports: TargetReport[] = [];
  // The last failed answer, body unread, kept in case no target does better.
  let held: { answer: Answer; target: UpstreamTarget } | undefined;
  const release = () => {
    if (held) discard(held.answer);
    held = undefined;
  };

  try {
    for (const target of targets) {
      const report: TargetReport = { targetId: target.id, model: target.model, result: 'retries-exhausted', attempts: [] };
      reports.push(report);
      for (let tries = 1; ; tries++) {
        if (caller?.aborted) {
          report.result = 'cancelled';
          throw new UpstreamCancelled(reports);
        }
        const run = await breakers.run(target.id, async () => {
          const value = await attemptOnce(target, attempt, caller);
          const { outcome } = value;
          return { value, verdict: outcome.kind === 'cancelled' ? 'neutral' : countsAgainstTarget(outcome) ? 'failure' : 'success' };
        });
        if (!run.ran) {
          report.result = 'circuit-open';
          break;
        }
        const { outcome, answer } = run.value;
        const record: AttemptRecord = { outcome };
        report.attempts.push(record);
        if (outcome.kind === 'cancelled') {
          report.result = 'cancelled';
          throw new UpstreamCancelled(reports);
        }
        const retryable = isRetryable(outcome);
        if (answer && !retryable) {
          release();
          report.result = 'answered';
          return { kind: 'answered', response: answer.response, target, targets: reports };
        }
        if (!retryable) {
          report.result = 'connection-failed';
          break;
        }
        const asked = answer ? requestedWaitMs(answer.response.headers, clock.now()) : undefined;
        if (answer) {
          release();
          held = { answer, target };
        }
        if (asked !== undefined) record.retryAfterMs = asked;
        if (asked !== undefined && asked > options.maxRetryAfterMs) {
          report.result = 'retry-after-too-long';
          break;
        }
        if (tries > options.maxRetries) break;
        // No wait for a try the breaker would refuse.
        if (breakers.state(target.id) === 'open') {
          report.result = 'circuit-open';
          break;
        }
        const wait = asked ?? backoffMs(tries, options, random);
        record.waitedMs = wait;
        try {
          await clock.sleep(wait, caller);
        } catch (error) {
          if (!caller?.aborted) throw error;
          report.result = 'cancelled';
          throw new UpstreamCancelled(reports);
        }
      }
    }
  } catch (error) {
    release();
    throw error;
  }
  if (held) return { kind: 'exhausted', response: held.answer.response, target: held.target, targets: reports };
  throw new UpstreamUnavailable(reports);
}

/** An upstream's response, and the link from the caller's signal to its body (undone when it is discarded). */
interface Answer {
  response: Response;
  unlink(): void;
}

interface Attempted {
  outcome: AttemptOutcome;
  answer?: Answer;
}

/**
 * One attempt, bounded to the target's first-byte timeout even if `attempt` ignores its signal. The timeout is
 * cleared once the headers arrive; the caller's signal stays linked so that it also cancels the body.
 */
async function attemptOnce(target: UpstreamTarget, attempt: UpstreamAttempt, caller: AbortSignal | undefined): Promise<Attempted> {
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(caller?.reason);
  caller?.addEventListener('abort', onCallerAbort, { once: true });
  const unlink = () => caller?.removeEventListener('abort', onCallerAbort);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer from ${target.id} within ${target.timeoutMs} ms`));
  }, target.timeoutMs);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
  });
  aborted.catch(() => undefined);
  // An attempt that throws at once is treated as one that rejects.
  const pending = (async () => attempt(target, controller.signal))();
  try {
    const response = await Promise.race([pending, aborted]);
    return { outcome: { kind: 'status', status: response.status }, answer: { response, unlink } };
  } catch (error) {
    unlink();
    // An attempt that ignored its signal may still answer: nobody will read that body.
    pending.then(
      (response) => discard({ response, unlink }),
      () => undefined,
    );
    if (caller?.aborted) return { outcome: { kind: 'cancelled' } };
    if (timedOut) return { outcome: { kind: 'timeout' } };
    const code = networkErrorCode(error);
    if (code === undefined) throw error;
    return { outcome: code === 'UND_ERR_HEADERS_TIMEOUT' ? { kind: 'timeout' } : { kind: 'connection', code } };
  } finally {
    clearTimeout(timer);
  }
}

/** fetch rejects with `TypeError('fetch failed')` and the socket's error, which has the code, as its cause. */
function networkErrorCode(error: unknown): string | undefined {
  // Not `instanceof Error`: errors from another realm (undici's, in a VM context such as Jest's) are not.
  let e = error as { code?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

function discard({ response, unlink }: Answer): void {
  unlink();
  if (response.body && !response.bodyUsed) response.body.cancel().catch(() => undefined);
}
