import { loginFailureKeys, type RecordedEvent } from '@llmlab/contracts';
import { createEventStore, type EventStore } from '@llmlab/event-store';
import { createLogger } from '@llmlab/logging';
import { createTestDatabase, TestDatabase, testEnv, uniqueSuffix } from '@llmlab/testing';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { AuthConfig } from '../auth.config';
import { LoginFailures } from './login-failures';

// Failed logins as bounded events, on a real event store and Redis: one event a minute per subject, carrying the
// failures counted since the previous one.
describe('login failures (PostgreSQL event store, Redis)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore;
  let redis: Redis;
  let failures: LoginFailures;
  const namespace = `lf${uniqueSuffix(3)}`;

  const stream = async (name: string) => (await store.readStream(name)) as RecordedEvent[];
  /** What the minute's expiry does, without waiting for it. */
  const minutePasses = (subject: string) => redis.del(loginFailureKeys(namespace, subject).gate);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 2 });
    store = createEventStore({ pool });
    redis = new Redis(testEnv.redisUrl);
    failures = new LoginFailures(
      store,
      redis,
      { NATS_PREFIX: namespace } as AuthConfig,
      createLogger({ service: 'auth', level: 'silent' }),
    );
  });
  afterAll(async () => {
    const keys = await redis.keys(`*${namespace}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await store.close();
    await pool.end();
    await db.drop();
  });

  it('records the first failure at once, then one event a minute with the count since the previous one', async () => {
    const userId = uuidv7();
    const t = (s: number) => new Date(Date.parse('2026-12-01T10:00:00.000Z') + s * 1000);
    await failures.record(userId, t(0));
    for (let s = 1; s <= 4; s++) await failures.record(userId, t(s));
    let events = await stream(`auth.login-failures-${userId}`);
    expect(events.map((e) => e.data)).toEqual([{ userId, failures: 1, since: null, failedAt: t(0).toISOString() }]);

    await minutePasses(`user:${userId}`);
    await failures.record(userId, t(61));
    events = await stream(`auth.login-failures-${userId}`);
    expect(events.map((e) => e.data)).toEqual([
      { userId, failures: 1, since: null, failedAt: t(0).toISOString() },
      { userId, failures: 5, since: t(0).toISOString(), failedAt: t(61).toISOString() },
    ]);
  });

  it('puts every unknown email in one stream, naming nobody', async () => {
    for (let i = 0; i < 20; i++) await failures.record(null, new Date());
    const events = await stream('auth.login-failures-unknown');
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ userId: null, failures: 1 });
  });

  it('tells a burst that stops once its minute is over: one event, the count held back and the latest failure', async () => {
    const userId = uuidv7();
    const t = (s: number) => new Date(Date.parse('2026-12-02T10:00:00.000Z') + s * 1000);
    for (let s = 0; s <= 9; s++) await failures.record(userId, t(s));
    expect(await failures.flushHeld(t(30))).toBe(0);
    expect((await stream(`auth.login-failures-${userId}`)).map((e) => (e.data as { failures: number }).failures)).toEqual([1]);

    await minutePasses(`user:${userId}`);
    expect(await failures.flushHeld(t(61))).toBe(1);
    expect(await failures.flushHeld(t(62))).toBe(0);
    const events = await stream(`auth.login-failures-${userId}`);
    expect(events.map((e) => e.data)).toEqual([
      { userId, failures: 1, since: null, failedAt: t(0).toISOString() },
      { userId, failures: 9, since: t(0).toISOString(), failedAt: t(9).toISOString() },
    ]);
    expect(events[1].metadata.actor).toEqual({ type: 'system', id: 'auth-login-failures' });

    // The flush closed the minute as an event does: the next failure in it is held back, not recorded at once.
    await failures.record(userId, t(70));
    expect(await stream(`auth.login-failures-${userId}`)).toHaveLength(2);
    await minutePasses(`user:${userId}`);
    await failures.record(userId, t(130));
    expect((await stream(`auth.login-failures-${userId}`)).at(-1)!.data).toEqual({
      userId,
      failures: 2,
      since: t(61).toISOString(),
      failedAt: t(130).toISOString(),
    });
    // Reported by that failure's event, nothing is left for the flush.
    await minutePasses(`user:${userId}`);
    expect(await failures.flushHeld(t(200))).toBe(0);
  });
});
