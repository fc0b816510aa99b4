import { randomBytes } from 'node:crypto';
import { apiKeyBodyFrom, formatApiKey, looksLikeApiKey, parseApiKey } from './api-key-format';

describe('API key format', () => {
  const key = formatApiKey('live', apiKeyBodyFrom(randomBytes(64)));

  it('is llm_<env>_ then 40 random and 6 checksum base62 characters', () => {
    expect(key).toMatch(/^llm_live_[0-9A-Za-z]{46}$/);
    expect(looksLikeApiKey(key)).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJSUzI1NiJ9.e30.sig')).toBe(false);
  });

  it('parses a well-formed key into its environment and public prefix', () => {
    expect(parseApiKey(key)).toEqual({ environment: 'live', prefix: key.slice(0, 17) });
    expect(parseApiKey(formatApiKey('test', 'A'.repeat(40)))).toEqual({ environment: 'test', prefix: 'llm_test_AAAAAAAA' });
  });

  it('refuses any change to a key: the checksum catches typos without a lookup', () => {
    for (let i = 9; i < key.length; i++) {
      const swapped = key.slice(0, i) + (key[i] === 'x' ? 'y' : 'x') + key.slice(i + 1);
      expect(parseApiKey(swapped)).toBeUndefined();
    }
  });

  it('refuses other shapes', () => {
    for (const bad of ['', 'llm_live_', key.slice(0, -1), key + 'A', key.replace('llm_live_', 'llm_prod_'), key.replace('llm_', 'sk_')]) {
      expect(parseApiKey(bad)).toBeUndefined();
    }
  });

  it('draws unbiased characters and needs enough random bytes', () => {
    expect(apiKeyBodyFrom(new Uint8Array(40).fill(61))).toBe('z'.repeat(40));
    expect(() => apiKeyBodyFrom(new Uint8Array(40).fill(250))).toThrow('not enough unbiased random bytes');
    expect(() => apiKeyBodyFrom(new Uint8Array(10))).toThrow();
  });
});
