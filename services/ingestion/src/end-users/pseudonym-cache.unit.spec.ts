import { randomBytes } from 'node:crypto';
import { pseudonymOf } from './end-user-pseudonyms';
import { PseudonymCache } from './pseudonym-cache';

describe('PseudonymCache', () => {
  // The real pseudonym function, with a count of the HMACs it computed.
  const counted = () => {
    const calls: string[] = [];
    return {
      calls,
      compute: (key: Buffer, userId: string) => {
        calls.push(userId);
        return pseudonymOf(key, userId);
      },
    };
  };
  const options = { max: 1_000, ttlMs: 60_000 };

  it("gives each user id the pseudonym of the organization's key, computed once", () => {
    const hmac = counted();
    const cache = new PseudonymCache(options, hmac.compute);
    const key = randomBytes(32);
    const of = cache.of('org-a', key, 0);
    expect(of('ada')).toBe(pseudonymOf(key, 'ada'));
    expect(of('ada')).toBe(pseudonymOf(key, 'ada'));
    expect(cache.of('org-a', Buffer.from(key), 1_000)('ada')).toBe(pseudonymOf(key, 'ada'));
    expect(of('bob')).toBe(pseudonymOf(key, 'bob'));
    expect(hmac.calls).toEqual(['ada', 'bob']);
    expect(cache.held).toBe(2);
  });

  it('keeps organizations apart: the same id under two keys is two pseudonyms', () => {
    const cache = new PseudonymCache(options, pseudonymOf);
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(cache.of('org-a', a, 0)('ada')).toBe(pseudonymOf(a, 'ada'));
    expect(cache.of('org-b', b, 0)('ada')).toBe(pseudonymOf(b, 'ada'));
    expect(cache.of('org-a', a, 0)('ada')).not.toBe(cache.of('org-b', b, 0)('ada'));
  });

  it("never answers a pseudonym of a destroyed key: a new key for the organization drops the old key's", () => {
    const hmac = counted();
    const cache = new PseudonymCache(options, hmac.compute);
    const [old, fresh] = [randomBytes(32), randomBytes(32)];
    const before = cache.of('org-a', old, 0);
    before('ada');
    before('bob');
    expect(cache.of('org-a', fresh, 10)('ada')).toBe(pseudonymOf(fresh, 'ada'));
    expect(cache.held).toBe(1);
    // A function handed out under the old key computes what it computed, and caches nothing any more.
    expect(before('cyd')).toBe(pseudonymOf(old, 'cyd'));
    expect(cache.held).toBe(1);
    expect(hmac.calls).toEqual(['ada', 'bob', 'ada', 'cyd']);
  });

  it("drops an organization's pseudonyms after ttlMs, and an erased end user's at once", () => {
    const hmac = counted();
    const cache = new PseudonymCache(options, hmac.compute);
    const key = randomBytes(32);
    cache.of('org-a', key, 0)('ada');
    cache.of('org-b', randomBytes(32), 30_000)('ada');
    cache.of('org-a', key, 59_999)('ada');
    expect(hmac.calls).toEqual(['ada', 'ada']);
    // Org a's expire at 60 s (and are computed again), org b's at 90 s.
    cache.of('org-a', key, 60_000)('ada');
    expect(hmac.calls).toEqual(['ada', 'ada', 'ada']);
    expect(cache.held).toBe(2);
    cache.of('org-a', key, 90_000);
    expect(cache.held).toBe(1);

    cache.forget('org-a', 'ada');
    expect(cache.held).toBe(0);
    cache.forget('org-a', 'ada');
    cache.forget('org-unknown', 'ada');
    expect(cache.held).toBe(0);
    expect(cache.of('org-a', key, 90_001)('ada')).toBe(pseudonymOf(key, 'ada'));
    expect(hmac.calls).toHaveLength(4);
  });

  it('holds at most max pseudonyms in all', () => {
    const cache = new PseudonymCache({ max: 100, ttlMs: 60_000 }, pseudonymOf);
    const key = randomBytes(32);
    for (let i = 0; i < 1_000; i += 1) {
      const of = cache.of(`org-${i % 3}`, key, i);
      expect(of(`user-${i}`)).toBe(pseudonymOf(key, `user-${i}`));
      expect(cache.held).toBeLessThanOrEqual(100);
    }
    expect(cache.held).toBeGreaterThan(0);
  });
});
