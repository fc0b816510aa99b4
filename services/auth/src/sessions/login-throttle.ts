import { rateLimitKey } from '@llmlab/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface LoginThrottleSettings {
  namespace: string;
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

/**
 * Failed logins counted per account (by the email's keyed hash, so unknown emails count too) and per client IP
 * in fixed windows in Redis. Past either limit, logins are refused until the window ends, even with the right
 * password: a guesser learns nothing more. If Redis is down logins still work (logged): the lock-out is a
 * brake on guessing, and argon2 keeps each guess slow anyway.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly settings: LoginThrottleSettings,
    private readonly logger: Logger,
  ) {}

  /** Seconds to wait when a limit is reached, else 0. */
  async retryAfter(emailHash: string, ip: string | undefined, now: Date): Promise<number> {
    const { account, client, resetIn } = this.keys(emailHash, ip, now);
    try {
      const [a, c] = await this.redis.mget(account, client ?? account);
      const blocked =
        Number(a ?? 0) >= this.settings.maxFailuresPerAccount || (client !== undefined && Number(c ?? 0) >= this.settings.maxFailuresPerIp);
      return blocked ? resetIn : 0;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'login throttle unavailable (Redis): not enforced');
      return 0;
    }
  }

  async recordFailure(emailHash: string, ip: string | undefined, now: Date): Promise<void> {
    const { account, client, resetIn } = this.keys(emailHash, ip, now);
    const multi = this.redis
      .multi()
      .incr(account)
      .expire(account, resetIn + 1);
    if (client) multi.incr(client).expire(client, resetIn + 1);
    await multi
      .exec()
      .catch((err: Error) => this.logger.error({ err: err.message }, 'login throttle unavailable (Redis): failure not counted'));
  }

  /** A successful login clears the account's count; the IP's stays (one good account must not reset a spray). */
  async recordSuccess(emailHash: string, now: Date): Promise<void> {
    await this.redis.del(this.keys(emailHash, undefined, now).account).catch(() => undefined);
  }

  private keys(emailHash: string, ip: string | undefined, now: Date) {
    const seconds = Math.floor(now.getTime() / 1000);
    const window = Math.floor(seconds / this.settings.windowSeconds);
    return {
      account: rateLimitKey(this.settings.namespace, `login:account:${emailHash}`, window),
      client: ip ? rateLimitKey(this.settings.namespace, `login:ip:${ip}`, window) : undefined,
      resetIn: (window + 1) * this.settings.windowSeconds - seconds,
    };
  }
}
