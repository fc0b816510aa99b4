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

  /** The bucket's state without counting a request: whether the next one would be refused. */
  async peek(bucket: string, limit: number, now = Date.now()): Promise<RateLimitResult> {
    const { key, resetSeconds } = this.window(bucket, now);
    const count = Number((await this.redis.get(key).catch(() => null)) ?? 0);
    return { allowed: count < limit, limit, remaining: Math.max(0, limit - count), resetSeconds };
  }

  private window(bucket: string, now: number) {
    const seconds = Math.floor(now / 1000);
    const window = Math.floor(seconds / WINDOW_SECONDS);
    return { key: rateLimitKey(this.namespace, bucket, window), resetSeconds: (window + 1) * WINDOW_SECONDS - seconds };
  }
}
