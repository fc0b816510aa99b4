import { randomBytes } from 'node:crypto';
import { decrypt, EmailLookup, encrypt, MasterKey, normalizeEmail } from './field-cipher';
import { openField, sealField, ERASED } from './subject-keys';

describe('field encryption', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV each time', () => {
    const a = encrypt(key, 'ada@example.com', 'u-1:email');
    const b = encrypt(key, 'ada@example.com', 'u-1:email');
    expect(a).not.toBe(b);
    expect(a).not.toContain('ada');
    expect(decrypt(key, a, 'u-1:email')).toBe('ada@example.com');
  });

  it('refuses another key, another place, or a changed byte', () => {
    const sealed = sealField(key, 'u-1', 'email', 'ada@example.com');
    expect(() => openField(randomBytes(32), 'u-1', 'email', sealed)).toThrow();
    expect(() => openField(key, 'u-2', 'email', sealed)).toThrow();
    expect(() => openField(key, 'u-1', 'name', sealed)).toThrow();
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => openField(key, 'u-1', 'email', raw.toString('base64url'))).toThrow();
    expect(openField(key, 'u-1', 'email', sealed)).toBe('ada@example.com');
  });

  it('reads an erased subject (no key) as a placeholder', () => {
    expect(openField(undefined, 'u-1', 'email', 'whatever')).toBe(ERASED);
  });
});

describe('master key', () => {
  const master = new MasterKey(randomBytes(32));

  it('wraps data keys for one label only', () => {
    const dataKey = randomBytes(32);
    const wrapped = master.wrap(dataKey, 'subject:u-1');
    expect(master.unwrap(wrapped, 'subject:u-1')).toEqual(dataKey);
    expect(() => master.unwrap(wrapped, 'subject:u-2')).toThrow();
    expect(() => new MasterKey(randomBytes(32)).unwrap(wrapped, 'subject:u-1')).toThrow();
  });

  it('derives distinct, stable keys per purpose', () => {
    expect(master.derive('a')).toEqual(master.derive('a'));
    expect(master.derive('a')).not.toEqual(master.derive('b'));
    expect(() => new MasterKey(randomBytes(16))).toThrow('32 bytes');
  });
});

describe('email lookup hash', () => {
  it('is keyed, and the same for every spelling of one address', () => {
    const lookup = new EmailLookup(new MasterKey(randomBytes(32)));
    expect(normalizeEmail(' Ada@Example.COM ')).toBe('ada@example.com');
    expect(lookup.hash(' Ada@Example.COM ')).toBe(lookup.hash('ada@example.com'));
    expect(lookup.hash('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(new EmailLookup(new MasterKey(randomBytes(32))).hash('ada@example.com')).not.toBe(lookup.hash('ada@example.com'));
  });
});
