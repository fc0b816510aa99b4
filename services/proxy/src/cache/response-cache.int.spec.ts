import { Redis } from 'ioredis';
import { pino } from 'pino';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { cacheKey, ResponseCache, type CachedResponse } from './response-cache';

const project = { projectId: 'p-1', route: 'chat' };
const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hi' }],
  temperature: 0,
  ...extra,
});

describe('cacheKey', () => {
  it('is the same for the same request in another key order, or differing only in who asked', () => {
    const key = cacheKey(project, 'openai', '/chat/completions', chat());
    expect(
      cacheKey(project, 'openai', '/chat/completions', {
        temperature: 0,
        messages: [{ content: 'Say hi', role: 'user' }],
        model: 'gpt-4o-mini',
      }),
    ).toBe(key);
    expect(cacheKey(project, 'openai', '/chat/completions', chat({ user: 'u-9', metadata: { a: '1' }, store: false }))).toBe(key);
    expect(cacheKey(project, 'anthropic', '/v1/messages', { ...chat(), metadata: { user_id: 'u-9' } })).toBe(
      cacheKey(project, 'anthropic', '/v1/messages', chat()),
    );
  });

  it('differs for anything that can change the answer, and between projects, routes, formats and paths', () => {
    const key = cacheKey(project, 'openai', '/chat/completions', chat());
    const others = [
      cacheKey(project, 'openai', '/chat/completions', chat({ model: 'gpt-4o' })),
      cacheKey(project, 'openai', '/chat/completions', chat({ temperature: 1 })),
      cacheKey(project, 'openai', '/chat/completions', chat({ messages: [{ role: 'user', content: 'Say hi!' }] })),
      cacheKey(project, 'openai', '/chat/completions', chat({ stream: true })),
      cacheKey(project, 'openai', '/chat/completions', chat({ stream: true, stream_options: { include_usage: true } })),
      cacheKey({ ...project, projectId: 'p-2' }, 'openai', '/chat/completions', chat()),
      cacheKey({ ...project, route: 'other' }, 'openai', '/chat/completions', chat()),
      cacheKey(project, 'anthropic', '/chat/completions', chat()),
      cacheKey(project, 'openai', '/responses', chat()),
      // `user` is ignored by OpenAI's rule, not inside the messages.
      cacheKey(project, 'openai', '/chat/completions', chat({ messages: [{ role: 'user', content: 'Say hi', user: 'x' }] })),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });
});

describe('ResponseCache (Redis)', () => {
  let redis: Redis;
  let namespace: string;
  const logger = pino({ level: 'silent' });
  const entry = (body: Buffer): CachedResponse => ({
    contentType: 'text/event-stream',
    body,
    model: 'gpt-4o-mini-2024-07-18',
    cost: '0.000123000000',
    currency: 'USD',
    storedAt: '2026-12-06T10:00:00.000Z',
  });

  beforeAll(() => {
    redis = new Redis(testEnv.redisUrl);
  });
  beforeEach(() => {
    namespace = `prx${uniqueSuffix(4)}`;
  });
  afterEach(async () => {
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(() => redis.quit());

  it('gives back the bytes it stored, with their metadata, for the TTL', async () => {
    const cache = new ResponseCache(redis, { namespace, logger });
    const body = Buffer.concat([Buffer.from('data: {"x":"ünï"}\n\n'), Buffer.from([0xff, 0x00, 0x0a])]);
    const key = cacheKey(project, 'openai', '/chat/completions', chat({ stream: true }));
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.set(key, entry(body), 30)).toBe(true);
    const hit = await cache.get(key);
    expect(hit).toEqual(entry(body));
    expect(hit!.body.equals(body)).toBe(true);
    const ttl = await redis.ttl(`${namespace}:proxy-cache:${key}`);
    expect(ttl).toBeGreaterThan(25);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('does not store an answer over its size limit', async () => {
    const cache = new ResponseCache(redis, { namespace, logger, maxEntryBytes: 1024 });
    expect(await cache.set('big', entry(Buffer.alloc(2048, 1)), 30)).toBe(false);
    expect(await cache.get('big')).toBeUndefined();
  });

  it('treats Redis failing as a miss and a skipped write, never as an error of the call', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const cache = new ResponseCache(down, { namespace, logger });
    await expect(cache.get('k')).resolves.toBeUndefined();
    await expect(cache.set('k', entry(Buffer.from('x')), 30)).resolves.toBe(false);
    down.disconnect();
  });
});
