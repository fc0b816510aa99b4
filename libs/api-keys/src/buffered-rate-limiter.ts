import type { Logger } from 'pino';
import type { RateLimiter, RateLimitResult } from './rate-limiter';

export interface BufferedRateLimiterOptions {
  /** How long requests counted here wait before they are added to the shared count, in one Redis command. */
  flushMs?: number;
  /**
   * How close to its limit a bucket is counted exactly, each request in Redis before it is answered: the larger of
   * this share of the limit and `minMargin` requests.
   */
  marginShare?: number;
  minMargin?: number;
  /** Buckets kept in memory; past it, those with nothing waiting are forgotten, the oldest first. */
  maxBuckets?: number;
}

interface Bucket {
  readonly name: string;
  window: number;
  /** An instant of the window, which its waiting requests are counted at. */
  at: number;
  /** The shared count of the window, as Redis last gave it (every replica's requests); -1 before the first answer. */
  known: number;
  /** Requests sent to Redis and not answered yet. */
  inflight: number;
  /** Requests counted here and not yet sent to Redis. */
  pending: number;
  timer?: NodeJS.Timeout;
  /** The bucket's first request of the window, under way: the others wait for what it learns. */
  learning?: Promise<number | undefined>;
}

/**
 * The same fixed one-hour windows in Redis as `RateLimiter`, shared with every other replica, without a Redis round
 * trip on every request. Far from its limit, a bucket counts requests in memory and adds them to the shared count
 * every `flushMs`, or as soon as a margin's worth waits (one INCRBY, whose answer brings the other replicas' count
 * too). Within the margin of its limit, and on a bucket's first request of a window (which the requests arriving
 * meanwhile wait for), each request is counted in Redis before it is answered, as `RateLimiter` does. So the limit
 * holds exactly unless the other replicas together add more than the margin between two of this one's round trips.
 * Requests counted here and not yet added are lost if the process dies (`flushMs` of them at most). When Redis
 * fails, requests pass (logged), as with `RateLimiter`.
 */
export class BufferedRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly flushMs: number;
  private readonly marginShare: number;
  private readonly minMargin: number;
  private readonly maxBuckets: number;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly logger: Logger,
    options: BufferedRateLimiterOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 5;
    this.marginShare = options.marginShare ?? 0.01;
    this.minMargin = options.minMargin ?? 100;
    this.maxBuckets = options.maxBuckets ?? 100_000;
  }

  async hit(name: string, limit: number, now = Date.now()): Promise<RateLimitResult> {
    const { window, resetSeconds } = this.limiter.windowAt(now);
    let bucket = this.buckets.get(name);
    if (bucket && bucket.window !== window) {
      // The window ended: what waits belongs to the last one, and goes there.
      void this.flush(bucket);
      this.buckets.delete(name);
      bucket = undefined;
    }
    if (!bucket) bucket = this.add({ name, window, at: now, known: -1, inflight: 0, pending: 0 });
    if (bucket.learning) {
      // Redis failed the first request: these pass as it did, rather than each asking again in turn.
      if ((await bucket.learning) === undefined) return { allowed: true, limit, remaining: limit, resetSeconds };
      return this.hit(name, limit, now);
    }
    const margin = Math.max(this.minMargin, Math.ceil(limit * this.marginShare));
    const counted = bucket.known + bucket.inflight + bucket.pending;
    if (bucket.known >= limit) {
      // Spent for this window (a count never falls within one): refused here, and counted as the others are.
      this.countHere(bucket);
      return { allowed: false, limit, remaining: 0, resetSeconds };
    }
    if (bucket.known >= 0 && bucket.pending < margin && counted + 1 + margin <= limit) {
      this.countHere(bucket);
      return { allowed: true, limit, remaining: limit - counted - 1, resetSeconds };
    }
    // Near the limit, not known yet, or enough waiting: this request and those waiting, in Redis before the answer.
    const requests = 1 + bucket.pending;
    bucket.pending = 0;
    clearTimeout(bucket.timer);
    bucket.timer = undefined;
    const sent = this.send(bucket, requests);
    if (bucket.known < 0) bucket.learning = sent.finally(() => (bucket.learning = undefined));
    const count = await sent;
    if (count === undefined) return { allowed: true, limit, remaining: limit, resetSeconds };
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds };
  }

  private countHere(bucket: Bucket): void {
    bucket.pending++;
    bucket.timer ??= setTimeout(() => void this.flush(bucket), this.flushMs);
  }

  /** Adds every bucket's waiting requests to Redis now (on shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.buckets.values()].map((bucket) => this.flush(bucket)));
  }

  private async flush(bucket: Bucket): Promise<void> {
    clearTimeout(bucket.timer);
    bucket.timer = undefined;
    const requests = bucket.pending;
    if (requests === 0) return;
    bucket.pending = 0;
    await this.send(bucket, requests);
  }

  /** Adds requests to the bucket's shared count: the count after them, or undefined when Redis failed (logged). */
  private async send(bucket: Bucket, requests: number): Promise<number | undefined> {
    bucket.inflight += requests;
    try {
      // Counted in the window they were made in (a flush may run just after it ended).
      const count = await this.limiter.add(bucket.name, requests, bucket.at);
      bucket.known = Math.max(bucket.known, count);
      return count;
    } catch (err) {
      this.logger.error({ err: (err as Error).message, requests }, 'rate limiter unavailable (Redis): requests let through');
      return undefined;
    } finally {
      bucket.inflight -= requests;
    }
  }

  private add(bucket: Bucket): Bucket {
    this.buckets.set(bucket.name, bucket);
    if (this.buckets.size > this.maxBuckets) {
      for (const [other, b] of this.buckets) {
        if (this.buckets.size <= this.maxBuckets) break;
        if (b !== bucket && b.pending === 0 && b.inflight === 0 && !b.learning) this.buckets.delete(other);
      }
    }
    return bucket;
  }
}
