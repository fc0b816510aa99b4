import { TtlCache } from './ttl-cache';

describe('TtlCache.load', () => {
  it('shares one load among concurrent callers, keeps it for the TTL, and forgets a load that failed', async () => {
    const cache = new TtlCache<Promise<string>>(60_000);
    let loads = 0;
    const load = () => Promise.resolve(`value ${++loads}`);
    await expect(Promise.all([cache.load('k', load), cache.load('k', load)])).resolves.toEqual(['value 1', 'value 1']);
    await expect(cache.load('k', load)).resolves.toBe('value 1');

    const failing = cache.load('bad', () => Promise.reject(new Error('down')));
    await expect(failing).rejects.toThrow('down');
    await expect(cache.load('bad', load)).resolves.toBe('value 2');
  });

  it('loads every time when the TTL is 0', async () => {
    const cache = new TtlCache<Promise<number>>(0);
    let loads = 0;
    await cache.load('k', async () => ++loads);
    await cache.load('k', async () => ++loads);
    expect(loads).toBe(2);
  });
});
