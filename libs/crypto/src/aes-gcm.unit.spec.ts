import { randomBytes } from 'node:crypto';
import { open, openText, seal, sealText } from './aes-gcm';
import { ERASED, openField, sealField } from './personal-field';

describe('AES-256-GCM with associated data', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV each time', () => {
    const a = sealText(key, 'ada@example.com', 'u-1:email');
    const b = sealText(key, 'ada@example.com', 'u-1:email');
    expect(a).not.toBe(b);
    expect(a).not.toContain('ada');
    expect(openText(key, a, 'u-1:email')).toBe('ada@example.com');
    expect(open(key, seal(key, Buffer.from([1, 2, 3]), 'x'), 'x')).toEqual(Buffer.from([1, 2, 3]));
  });

  it('refuses another key, another place, a changed byte, a short input or a key of the wrong size', () => {
    const sealed = seal(key, 'secret', 'here');
    expect(() => open(randomBytes(32), sealed, 'here')).toThrow(/another key, another place, or altered/);
    expect(() => open(key, sealed, 'there')).toThrow();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] ^= 1;
    expect(() => open(key, altered, 'here')).toThrow();
    expect(() => open(key, sealed.subarray(0, 20), 'here')).toThrow('ciphertext too short');
    expect(() => seal(randomBytes(16), 'x', 'here')).toThrow('32 bytes');
  });
});

describe('personal fields', () => {
  const key = randomBytes(32);

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
    expect(openField(key, 'u-1', 'email', null)).toBe(ERASED);
  });
});
