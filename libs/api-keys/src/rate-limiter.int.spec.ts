import { Redis } from 'ioredis';
import pino from 'pino';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { BufferedRateLimiter } from './buffered-rate-limiter';
import { RateLimiter } from './rate-limiter';

describe('rate limiter (Redis)', () => {
  const redis = new Redis(testEnv.redisUrl);
  const limiter = new RateLimiter(redis, `t${uniqueSuffix()}`, pino({ level: 'silent' }));
  afterAll(() => redis.quit());

  it('counts requests in one-hour windows and refuses past the limit', async () => {
    const now = Date.parse('2026-11-27T10:59:30Z');
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.hit('management:user:u-1:org-1', 3, now));
    expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(results[3]).toMatchObject({ limit: 3, resetSeconds: 30 });
    const nextWindow = await limiter.hit('management:user:u-1:org-1', 3, now + 31_000);
    expect(nextWindow).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 3599 });
  });

  it('tells whether the next request would pass, without counting one', async () => {
    await limiter.hit('peek', 2);
    expect(await limiter.peek('peek', 2)).toMatchObject({ allowed: true, remaining: 1 });
    await limiter.hit('peek', 2);
    expect(await limiter.peek('peek', 2)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await limiter.peek('never-hit', 2)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('keeps buckets apart and shares one bucket between limiter instances (gateway replicas)', async () => {
    const namespace = `t${uniqueSuffix()}`;
    const replicaA = new RateLimiter(redis, namespace, pino({ level: 'silent' }));
    const replicaB = new RateLimiter(redis, namespace, pino({ level: 'silent' }));
    await replicaA.hit('key:k-1', 2);
    await replicaB.hit('key:k-1', 2);
    expect((await replicaA.hit('key:k-1', 2)).allowed).toBe(false);
    expect((await replicaB.hit('key:k-2', 2)).allowed).toBe(true);
  });

  it('lets requests through when Redis is unreachable (both limiters)', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    const limiter = new RateLimiter(down, 'x', pino({ level: 'silent' }));
    expect(await limiter.hit('b', 1)).toMatchObject({ allowed: true, limit: 1 });
    // The proxy's limiter too, on a bucket's first request (asked of Redis) as on the next (counted in memory).
    const buffered = new BufferedRateLimiter(limiter, pino({ level: 'silent' }));
    const concurrent = await Promise.all([buffered.hit('b', 1), buffered.hit('b', 1), buffered.hit('b', 1)]);
    expect(concurrent.every((r) => r.allowed)).toBe(true);
    expect(await buffered.hit('b', 1)).toMatchObject({ allowed: true, limit: 1 });
    down.disconnect();
  });
});
