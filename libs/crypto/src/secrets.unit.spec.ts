import { generateDataKey, generateSecret, randomSecretBytes, sameSecret } from './secrets';

describe('secret generation', () => {
  it('makes prefixed secrets of 256 bits by default, never twice the same', () => {
    const a = generateSecret('whsec');
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateSecret('whsec')).not.toBe(a);
    expect(generateSecret('rt', 48)).toMatch(/^rt_[A-Za-z0-9_-]{64}$/);
  });

  it('refuses short secrets and odd prefixes', () => {
    expect(() => generateSecret('whsec', 8)).toThrow('at least 16');
    expect(() => randomSecretBytes(15)).toThrow('at least 16');
    expect(() => generateSecret('Bad_')).toThrow('prefix');
    expect(randomSecretBytes(64)).toHaveLength(64);
    expect(generateDataKey()).toHaveLength(32);
  });
});

describe('sameSecret', () => {
  const secret = 'op_' + 'a'.repeat(40);
  it('accepts only the very secret: not one character off, not a prefix, not an extension', () => {
    expect(sameSecret(secret, secret)).toBe(true);
    expect(sameSecret(secret.slice(0, -1) + 'b', secret)).toBe(false);
    expect(sameSecret(secret.slice(0, -1), secret)).toBe(false);
    expect(sameSecret(secret + 'a', secret)).toBe(false);
    expect(sameSecret('', secret)).toBe(false);
  });
});
