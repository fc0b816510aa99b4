import { clientIpBucket, rateLimitKey } from '@llmlab/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface LoginThrottleSettings {
  namespace: string;
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

// One round trip, atomic: count the attempt on the account and on the client's bucket (the IP, or its IPv6 /64),
// start the window's expiry on the first, and answer both counts.
const ATTEMPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  counts[i] = n
end
return counts`;

/**
 * Login attempts counted per account (by the email's keyed hash, so unknown emails count too) and per client IP
 * bucket (`clientIpBucket`: IPv6 by /64) in fixed windows in Redis. Each attempt is counted atomically BEFORE the
 * password is checked, so parallel guesses cannot all pass a check that reads before they are counted; a
 * successful login then gives its attempt back (the account's count is cleared, the IP's decremented: only
 * failures add up). Past either limit, logins are refused until the window ends, even with the right password:
 * a guesser learns nothing more. If Redis is down logins still work (logged): the lock-out is a brake on
 * guessing, and argon2 keeps each guess slow anyway.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly settings: LoginThrottleSettings,
    private readonly logger: Logger,
  ) {}

  /** Counts one attempt; seconds to wait when it is past a limit (the caller then checks nothing), else 0. */
  async attempt(emailHash: string, ip: string | undefined, now: Date): Promise<number> {
    const { account, client, resetIn } = this.keys(emailHash, ip, now);
    try {
      const keys = client ? [account, client] : [account];
      const [a, c] = (await this.redis.eval(ATTEMPT, keys.length, ...keys, resetIn + 1)) as number[];
      const blocked = a > this.settings.maxFailuresPerAccount || (c !== undefined && c > this.settings.maxFailuresPerIp);
      return blocked ? resetIn : 0;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'login throttle unavailable (Redis): not enforced');
      return 0;
    }
  }

  /**
   * A successful login clears the account's count and gives its attempt back to the IP; the IP's failures stay
   * (one good account must not reset a spray).
   */
  async recordSuccess(emailHash: string, ip: string | undefined, now: Date): Promise<void> {
    const { account, client } = this.keys(emailHash, ip, now);
    const multi = this.redis.multi().del(account);
    if (client) multi.decr(client);
    await multi.exec().catch(() => undefined);
  }

  private keys(emailHash: string, ip: string | undefined, now: Date) {
    const seconds = Math.floor(now.getTime() / 1000);
    const window = Math.floor(seconds / this.settings.windowSeconds);
    return {
      account: rateLimitKey(this.settings.namespace, `login:account:${emailHash}`, window),
      client: ip ? rateLimitKey(this.settings.namespace, `login:ip:${clientIpBucket(ip)}`, window) : undefined,
      resetIn: (window + 1) * this.settings.windowSeconds - seconds,
    };
  }
}
