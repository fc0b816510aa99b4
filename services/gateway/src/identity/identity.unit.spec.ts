import Fastify from 'fastify';
import { identityEnv, trustProxySetting } from './identity.config';
import { TtlCache } from '@llmlab/api-keys';

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

  it('believes no X-Forwarded-For by default, not even from loopback or a private network', async () => {
    const ipSeen = async (trustProxy: string, remoteAddress: string) => {
      const app = Fastify({ trustProxy: trustProxySetting(trustProxy) });
      app.get('/', async (req) => ({ ip: req.ip }));
      const res = await app.inject({ url: '/', remoteAddress, headers: { 'x-forwarded-for': '198.51.100.66' } });
      await app.close();
      return (res.json() as { ip: string }).ip;
    };
    const byDefault = identityEnv.TRUST_PROXY.parse(undefined);
    expect(await ipSeen(byDefault, '127.0.0.1')).toBe('127.0.0.1');
    expect(await ipSeen(byDefault, '10.0.3.4')).toBe('10.0.3.4');
    // Configured for an ingress controller in 10.0.0.0/8, the header it sets is believed from there only.
    expect(await ipSeen('10.0.0.0/8', '10.0.3.4')).toBe('198.51.100.66');
    expect(await ipSeen('10.0.0.0/8', '203.0.113.9')).toBe('203.0.113.9');
  });
});
