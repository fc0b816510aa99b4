import { Redis } from 'ioredis';
import { deleteRedisKeys } from './redis-keys';
import { testEnv, uniqueSuffix } from './test-env';

// TestPlatform.stop() deletes its run's keys with this: the shared Redis must not keep every run's keys.
describe('deleteRedisKeys', () => {
  const redis = new Redis(testEnv.redisUrl);
  afterAll(() => redis.quit());

  it("deletes every key naming the run's prefix, however many, and no other run's", async () => {
    const ours = `t${uniqueSuffix(4)}`;
    const theirs = `t${uniqueSuffix(4)}`;
    const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `llmlab:${prefix}:usage-seen:{p}:${i}`);
    await redis.mset(...[...keys(ours, 2_500), `${ours}:audit-access:pending`, ...keys(theirs, 3)].flatMap((k) => [k, 'acked']));

    await deleteRedisKeys(`*${ours}*`);

    expect(await redis.exists(...keys(ours, 2_500), `${ours}:audit-access:pending`)).toBe(0);
    expect(await redis.exists(...keys(theirs, 3))).toBe(3);
    await redis.del(...keys(theirs, 3));
  });
});
