import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { authStreams, loginFailureKeys, type EventMetadata, type LoginFailureEvent } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import {
  EVENT_STORE,
  LOGGER,
  metadataFromContext,
  REDIS,
  SERVICE_CONFIG,
  startPollingLoop,
  type BackgroundWorker,
  type PollingLoopHandle,
} from '@llmlab/service-kit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuthConfig } from '../auth.config';

/** At most one `UserLoginFailed` per subject (an account, or all unknown emails together) in this long. */
export const LOGIN_FAILURE_EVENT_INTERVAL_MS = 60_000;
/** Failures not reported yet are forgotten after a day without any other (the flush reports them well before). */
const COUNT_TTL_SECONDS = 24 * 3600;
/** How often subjects whose minute closed with failures held back are reported. */
const FLUSH_INTERVAL_MS = 15_000;

// Atomically: count the failure; if the subject's gate is open (no event this minute), close it for a minute,
// take the count (and when the previous event was), and reset both. Answers {count, since} or {0} (gate closed:
// the failure is held back, its time kept, the subject marked pending for the flush).
const COUNT_AND_GATE = `
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[1]) then
  redis.call('DEL', KEYS[1], KEYS[4])
  local since = redis.call('GET', KEYS[3]) or ''
  redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[2])
  return {n, since}
end
redis.call('SET', KEYS[4], ARGV[3], 'EX', ARGV[2])
redis.call('SADD', KEYS[5], ARGV[4])
return {0, ''}`;

// Atomically, for a pending subject whose minute closed: report what it held back as a failure would (close the
// gate, take the count, when the previous event was and when the latest failure happened). Answers
// {count, since, latest}, {0} when nothing was held, or {-1} while the gate is still closed (it stays pending).
const TAKE_HELD = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {-1, '', ''} end
redis.call('SREM', KEYS[5], ARGV[4])
local n = tonumber(redis.call('GETDEL', KEYS[1]) or '0')
local latest = redis.call('GETDEL', KEYS[4]) or ARGV[3]
if n == 0 then return {0, '', ''} end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[1])
local since = redis.call('GET', KEYS[3]) or ''
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[2])
return {n, since, latest}`;

/** The pure part: the event reporting `failures` for a subject (ids only, never the email, not even hashed). */
export function loginFailedEvent(userId: string | null, failures: number, since: string | null, at: string): LoginFailureEvent {
  return { type: 'UserLoginFailed', data: { userId, failures, since, failedAt: at } };
}

/**
 * Failed logins as security events that cannot flood the store: each failure is counted in Redis, and at most one
 * event a minute per account carries the count since the previous one (a failure in a closed minute waits in the
 * count for the next event, or for the flush: every 15 s, each subject whose minute closed with failures held back
 * gets one event with their count and the latest one's time, so a burst that stops is still told). Every email
 * without an account shares one subject and one stream, so a spray of invented addresses writes one event a minute,
 * not one stream per address. Appended at `any` revision: an observation, not a decision, so nothing is read
 * first. If Redis is down nothing is recorded (logged): an unbounded write path is worse than a missing count.
 */
@Injectable()
export class LoginFailures implements BackgroundWorker {
  readonly name = 'login failure flush';
  private loop?: PollingLoopHandle;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(userId: string | null, now: Date): Promise<void> {
    const subject = userId ? `user:${userId}` : 'unknown';
    const keys = loginFailureKeys(this.config.NATS_PREFIX, subject);
    let reported: [number, string];
    try {
      reported = (await this.redis.eval(
        COUNT_AND_GATE,
        5,
        keys.count,
        keys.gate,
        keys.last,
        keys.latest,
        keys.pending,
        LOGIN_FAILURE_EVENT_INTERVAL_MS,
        COUNT_TTL_SECONDS,
        now.toISOString(),
        subject,
      )) as [number, string];
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'login failures not recorded: Redis unavailable');
      return;
    }
    const [failures, since] = reported;
    if (failures === 0) return;
    await this.append(loginFailedEvent(userId, failures, since || null, now.toISOString()), metadataFromContext());
  }

  /** Reports every pending subject whose minute closed, as one event each (atomic per subject across replicas). */
  async flushHeld(now: Date): Promise<number> {
    const pending = loginFailureKeys(this.config.NATS_PREFIX, 'unknown').pending;
    let flushed = 0;
    let cursor = '0';
    do {
      const [next, subjects] = await this.redis.sscan(pending, cursor, 'COUNT', 500);
      cursor = next;
      for (const subject of subjects) {
        const keys = loginFailureKeys(this.config.NATS_PREFIX, subject);
        const [failures, since, latest] = (await this.redis.eval(
          TAKE_HELD,
          5,
          keys.count,
          keys.gate,
          keys.last,
          keys.latest,
          keys.pending,
          LOGIN_FAILURE_EVENT_INTERVAL_MS,
          COUNT_TTL_SECONDS,
          now.toISOString(),
          subject,
        )) as [number, string, string];
        if (failures <= 0) continue;
        const userId = subject.startsWith('user:') ? subject.slice('user:'.length) : null;
        await this.append(loginFailedEvent(userId, failures, since || null, latest), {
          actor: { type: 'system', id: 'auth-login-failures' },
          correlationId: randomUUID(),
        });
        flushed++;
      }
    } while (cursor !== '0');
    return flushed;
  }

  async start(): Promise<void> {
    this.loop = startPollingLoop({
      round: async () => {
        await this.flushHeld(new Date());
        return false;
      },
      intervalMs: FLUSH_INTERVAL_MS,
      logger: this.logger,
      failureMessage: 'login failures held back not flushed; retrying',
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  private async append(event: LoginFailureEvent, metadata: EventMetadata): Promise<void> {
    try {
      await this.store.appendToStream(authStreams.loginFailures(event.data.userId), [{ ...event, metadata }], { expectedRevision: 'any' });
    } catch (err) {
      // The login is refused either way; the count of this minute is lost, and said so.
      this.logger.error(
        { err: (err as Error).message, failures: event.data.failures },
        'login failures not recorded: event store unavailable',
      );
    }
  }
}
