import { rateLimitKey } from '@llmlab/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

const WINDOW_SECONDS = 3600;

// One round trip: count the request and start the window's expiry on its first request.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

// Several requests at once, counted by a replica that keeps them a few milliseconds (BufferedRateLimiter).
const ADD = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return n`;

/**
 * Fixed one-hour windows in Redis, shared by every gateway and proxy replica. Simple and exact at the cost of allowing up
 * to twice the limit across a window boundary. When Redis is down requests pass (logged): the API stays up,
 * and authentication does not depend on the limiter.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  async hit(bucket: string, limit: number, now = Date.now()): Promise<RateLimitResult> {
    const { key, resetSeconds } = this.window(bucket, now);
    try {
      const count = (await this.redis.eval(HIT, 1, key, WINDOW_SECONDS + 60)) as number;
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds };
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'rate limiter unavailable (Redis): request let through');
      return { allowed: true, limit, remaining: limit, resetSeconds };
    }
  }

  /** Counts `requests` at once in the bucket's window at `now`: the window's count after them. Throws when Redis fails. */
  async add(bucket: string, requests: number, now = Date.now()): Promise<number> {
    const { key } = this.window(bucket, now);
    return (await this.redis.eval(ADD, 1, key, requests, WINDOW_SECONDS + 60)) as number;
  }

  /** The window `now` falls in (its number) and the seconds until it ends. */
  windowAt(now: number): { window: number; resetSeconds: number } {
    const seconds = Math.floor(now / 1000);
    const window = Math.floor(seconds / WINDOW_SECONDS);
    return { window, resetSeconds: (window + 1) * WINDOW_SECONDS - seconds };
  }

  /** The bucket's state without counting a request: whether the next one would be refused. */
  async peek(bucket: string, limit: number, now = Date.now()): Promise<RateLimitResult> {
    const { key, resetSeconds } = this.window(bucket, now);
    const count = Number((await this.redis.get(key).catch(() => null)) ?? 0);
    return { allowed: count < limit, limit, remaining: Math.max(0, limit - count), resetSeconds };
  }

  private window(bucket: string, now: number) {
    const { window, resetSeconds } = this.windowAt(now);
    return { key: rateLimitKey(this.namespace, bucket, window), resetSeconds };
  }
}
