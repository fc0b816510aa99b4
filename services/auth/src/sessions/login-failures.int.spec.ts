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
});
