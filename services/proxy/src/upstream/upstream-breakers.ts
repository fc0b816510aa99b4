import { CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhenResult, isBrokenCircuitError } from 'cockatiel';

export interface BreakerOptions {
  /** Consecutive failures of a target (5xx, timeouts, connection errors) that open its breaker. */
  failureThreshold: number;
  /** How long an open breaker skips its target before one call may probe it (half-open). */
  halfOpenAfterMs: number;
  /** Breakers kept; past it the least recently used is dropped (its target starts again closed). */
  maxTargets: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** How a call through a breaker went: `neutral` tells the breaker nothing (the caller went away). */
export type BreakerVerdict = 'success' | 'failure' | 'neutral';

export type BreakerRun<T> = { ran: true; value: T } | { ran: false };

export interface Judged<T> {
  value: T;
  verdict: BreakerVerdict;
}

/** Carries a neutral result through cockatiel, which knows only success (a value) and failure. */
class NeutralResult<T> extends Error {
  constructor(readonly value: T) {
    super('neutral');
  }
}

/**
 * One circuit breaker per upstream target id (cockatiel's consecutive breaker), shared by every call of this
 * process. Bounded: the ids come from routes, which tenants write.
 */
export class UpstreamBreakers {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(private readonly options: BreakerOptions) {}

  /**
   * Runs `fn` through the target's breaker, or skips it (`ran: false`) while the breaker is open, and while its
   * one probe is in flight: a call waiting behind a probe could wait a whole timeout, a fallback answers now.
   */
  async run<T>(targetId: string, fn: () => Promise<Judged<T>>): Promise<BreakerRun<T>> {
    const breaker = this.breakerFor(targetId);
    if (breaker.state === CircuitState.HalfOpen) return { ran: false };
    try {
      const judged = await breaker.execute(async () => {
        const result = await fn();
        if (result.verdict === 'neutral') throw new NeutralResult(result.value);
        return result;
      });
      return { ran: true, value: judged.value };
    } catch (error) {
      if (error instanceof NeutralResult) return { ran: true, value: error.value as T };
      if (isBrokenCircuitError(error)) return { ran: false };
      throw error;
    }
  }

  /** The breaker's state as last decided; an open one turns half-open on the first call after its cool-down. */
  state(targetId: string): BreakerState | undefined {
    const state = this.breakers.get(targetId)?.state;
    if (state === undefined) return undefined;
    if (state === CircuitState.Closed) return 'closed';
    return state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  get size(): number {
    return this.breakers.size;
  }

  private breakerFor(targetId: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(targetId);
    if (breaker) {
      // Map keeps insertion order: re-inserting makes it the most recently used.
      this.breakers.delete(targetId);
    } else {
      breaker = this.create();
      if (this.breakers.size >= this.options.maxTargets) this.breakers.delete(this.breakers.keys().next().value as string);
    }
    this.breakers.set(targetId, breaker);
    return breaker;
  }

  private create(): CircuitBreakerPolicy {
    // A neutral result is no evidence either way. While closed cockatiel leaves an unhandled error uncounted; a probe
    // (half-open) it would count as a success and close, so there it is handled as a failure: the target waits
    // another cool-down rather than take every call on no evidence.
    const breaker: CircuitBreakerPolicy = circuitBreaker(
      handleWhenResult((result) => (result as Judged<unknown>).verdict === 'failure').orWhen(
        (error) => error instanceof NeutralResult && breaker.state === CircuitState.HalfOpen,
      ),
      { halfOpenAfter: this.options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.options.failureThreshold) },
    );
    return breaker;
  }
}
