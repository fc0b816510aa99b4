import { Redis } from 'ioredis';
import { testEnv } from './test-env';

/**
 * Deletes a run's keys from the shared Redis by pattern (SCAN, never FLUSHALL: other work uses that Redis). Left there (usage-id hints live 36 days), they pile up run after run on
 * a machine, and every later scan of the keyspace (the personal-data scan's) reads them all.
 */
export async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(testEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', '1000');
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
