import { Redis } from 'ioredis';
import pino from 'pino';
import { rateLimitKey } from '@llmlab/contracts';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { BufferedRateLimiter } from './buffered-rate-limiter';
import { RateLimiter } from './rate-limiter';

describe('buffered rate limiter (Redis)', () => {
  const redis = new Redis(testEnv.redisUrl);
  const silent = pino({ level: 'silent' });
  afterAll(() => redis.quit());

  /** A limiter whose Redis commands are counted: the round trips a request costs. */
  function replica(namespace: string) {
    const limiter = new RateLimiter(redis, namespace, silent);
    const calls = { add: 0 };
    const add = limiter.add.bind(limiter);
    limiter.add = (...args) => {
      calls.add++;
      return add(...args);
    };
    return { limiter, calls, buffered: new BufferedRateLimiter(limiter, silent, { flushMs: 5, minMargin: 10 }) };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

  it('counts far from the limit without a round trip per request, and adds the requests to the shared count', async () => {
    const namespace = `t${uniqueSuffix()}`;
    const a = replica(namespace);
    const now = Date.parse('2026-12-07T10:00:00Z');
    const results = await Promise.all(Array.from({ length: 200 }, () => a.buffered.hit('key:k-1', 10_000, now)));
    expect(results.every((r) => r.allowed)).toBe(true);
    // The first request learns the count; the others wait for one flush.
    await settle();
    expect(a.calls.add).toBeLessThanOrEqual(3);
    const key = rateLimitKey(namespace, 'key:k-1', Math.floor(now / 1000 / 3600));
    expect(Number(await redis.get(key))).toBe(200);
    expect(await redis.ttl(key)).toBeGreaterThan(3600);
    // What another replica (or the gateway's own limiter) sees.
    expect(await new RateLimiter(redis, namespace, silent).peek('key:k-1', 10_000, now)).toMatchObject({ remaining: 9_800 });
  });

  it('holds the limit exactly on one replica, whatever the concurrency', async () => {
    const namespace = `t${uniqueSuffix()}`;
    const a = replica(namespace);
    const now = Date.parse('2026-12-07T11:00:00Z');
    const results = await Promise.all(Array.from({ length: 300 }, () => a.buffered.hit('key:k-2', 150, now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(150);
    expect(results.filter((r) => !r.allowed).every((r) => r.remaining === 0)).toBe(true);
    await settle();
    const key = rateLimitKey(namespace, 'key:k-2', Math.floor(now / 1000 / 3600));
    expect(Number(await redis.get(key))).toBe(300);
    // Once the window is known to be spent, refusing costs no round trip (the refusals are still counted, together).
    const trips = a.calls.add;
    const more = await Promise.all(Array.from({ length: 100 }, () => a.buffered.hit('key:k-2', 150, now)));
    expect(more.every((r) => !r.allowed)).toBe(true);
    await settle();
    expect(a.calls.add - trips).toBe(1);
    expect(Number(await redis.get(key))).toBe(400);
  });

  it('lets replicas that count near the limit at once pass it by at most a margin each, and counts every request', async () => {
    const namespace = `t${uniqueSuffix()}`;
    const [a, b] = [replica(namespace), replica(namespace)];
    const now = Date.parse('2026-12-07T11:30:00Z');
    let allowed = 0;
    for (let i = 0; i < 300; i++) if ((await (i % 2 ? a : b).buffered.hit('key:k-4', 150, now)).allowed) allowed++;
    // minMargin is 10: each replica counts at most 10 in memory before it asks Redis again.
    expect(allowed).toBeGreaterThanOrEqual(150);
    expect(allowed).toBeLessThanOrEqual(160);
    await settle();
    expect(Number(await redis.get(rateLimitKey(namespace, 'key:k-4', Math.floor(now / 1000 / 3600))))).toBe(300);
  });

  it('counts the requests of a window that ended in that window, and starts the next one afresh', async () => {
    const namespace = `t${uniqueSuffix()}`;
    const a = replica(namespace);
    const end = Date.parse('2026-12-07T12:00:00Z');
    await a.buffered.hit('key:k-3', 1_000, end - 2_000);
    await Promise.all(Array.from({ length: 5 }, () => a.buffered.hit('key:k-3', 1_000, end - 1_000)));
    const next = await a.buffered.hit('key:k-3', 1_000, end + 1_000);
    expect(next).toMatchObject({ allowed: true, remaining: 999, resetSeconds: 3599 });
    await a.buffered.flushAll();
    await settle();
    const count = (at: number) => redis.get(rateLimitKey(namespace, 'key:k-3', Math.floor(at / 1000 / 3600)));
    expect([Number(await count(end - 1_000)), Number(await count(end + 1_000))]).toEqual([6, 1]);
  });
});
