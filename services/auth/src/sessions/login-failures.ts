import { Inject, Injectable } from '@nestjs/common';
import { authStreams, loginFailureKeys, type LoginFailureEvent } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE, LOGGER, metadataFromContext, REDIS, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuthConfig } from '../auth.config';

/** At most one `UserLoginFailed` per subject (an account, or all unknown emails together) in this long. */
export const LOGIN_FAILURE_EVENT_INTERVAL_MS = 60_000;
/** Failures not reported yet are forgotten after a day without any other. */
const COUNT_TTL_SECONDS = 24 * 3600;

// Atomically: count the failure; if the subject's gate is open (no event this minute), close it for a minute,
// take the count (and when the previous event was), and reset both. Answers {count, since} or {0} (gate closed).
const COUNT_AND_GATE = `
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[1]) then
  redis.call('DEL', KEYS[1])
  local since = redis.call('GET', KEYS[3]) or ''
  redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[2])
  return {n, since}
end
return {0, ''}`;

/** The pure part: the event reporting `failures` for a subject (ids only, never the email, not even hashed). */
export function loginFailedEvent(userId: string | null, failures: number, since: string | null, at: string): LoginFailureEvent {
  return { type: 'UserLoginFailed', data: { userId, failures, since, failedAt: at } };
}

/**
 * Failed logins as security events that cannot flood the store: each failure is counted in Redis, and at most one
 * event a minute per account carries the count since the previous one (a failure in a closed minute waits in the
 * count for the next event). Every email without an account shares one subject and one stream, so a spray of
 * invented addresses writes one event a minute, not one stream per address. Appended at `any` revision: an
 * observation, not a decision, so nothing is read first. If Redis is down nothing is recorded (logged): an
 * unbounded write path is worse than a missing count.
 */
@Injectable()
export class LoginFailures {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(userId: string | null, now: Date): Promise<void> {
    const keys = loginFailureKeys(this.config.NATS_PREFIX, userId ? `user:${userId}` : 'unknown');
    let reported: [number, string];
    try {
      reported = (await this.redis.eval(
        COUNT_AND_GATE,
        3,
        keys.count,
        keys.gate,
        keys.last,
        LOGIN_FAILURE_EVENT_INTERVAL_MS,
        COUNT_TTL_SECONDS,
        now.toISOString(),
      )) as [number, string];
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'login failures not recorded: Redis unavailable');
      return;
    }
    const [failures, since] = reported;
    if (failures === 0) return;
    const event = loginFailedEvent(userId, failures, since || null, now.toISOString());
    try {
      await this.store.appendToStream(authStreams.loginFailures(userId), [{ ...event, metadata: metadataFromContext() }], {
        expectedRevision: 'any',
      });
    } catch (err) {
      // The login is refused either way; the count of this minute is lost, and said so.
      this.logger.error({ err: (err as Error).message, failures }, 'login failures not recorded: event store unavailable');
    }
  }
}
