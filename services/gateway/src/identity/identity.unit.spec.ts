import { trustProxySetting } from './identity.config';
import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  afterEach(() => jest.useRealTimers());

  it('forgets an entry after its time to live', () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new TtlCache<string | null>(2_000);
    cache.set('a', null);
    expect(cache.get('a')).toBeNull();
    jest.setSystemTime(1_999);
    expect(cache.get('a')).toBeNull();
    jest.setSystemTime(2_000);
    expect(cache.get('a')).toBeUndefined();
  });

  it('empties itself when full rather than grow, and caches nothing with a zero time', () => {
    const cache = new TtlCache<number>(10_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, undefined, 3]);
    const off = new TtlCache<number>(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
  });
});

describe('TRUST_PROXY', () => {
  it('maps to Fastify trustProxy values', () => {
    expect(trustProxySetting('true')).toBe(true);
    expect(trustProxySetting('false')).toBe(false);
    expect(trustProxySetting('1')).toBe(1);
    expect(trustProxySetting('loopback,10.0.0.0/8')).toBe('loopback,10.0.0.0/8');
  });
});
