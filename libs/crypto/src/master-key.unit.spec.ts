import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { openText } from './aes-gcm';
import { MasterKey, MasterKeyRing, wrappedKeyOrigin } from './master-key';

// Written by the auth and alerts services before key ids existed (0x00..0x1f as the master key, 0xff..0xe0 as
// the data key): they must stay readable.
const LEGACY = {
  master: Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
  dataKey: Buffer.from(Array.from({ length: 32 }, (_, i) => 255 - i)),
  authSubjectKey: Buffer.from(
    '7915843f2f308e80be88b71e08cab287d9ca8d59d2fcef20b7112972723cbe3b82c5387746e63046f8dc51cb27bdf1df889681b7bdf31bdbd7221d81',
    'hex',
  ),
  authSubjectLabel: 'subject:0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50',
  alertsChannelKey: Buffer.from('u9_Oq0uduEWrefjkKn6F21uQb4UoPYS54uHmJscG-CL1vfvsUSAZs_Gwl8swaELqzsfHcgF9Knh3Eyv_', 'base64url'),
  alertsChannelLabel: 'alerts:channel-config:0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51',
  signingKeyCiphertext: 'ei4oE7RGHPT_F4cQxngZr5NmcpsczwtAlvdaKjavtw',
};

describe('master key', () => {
  const master = new MasterKey(randomBytes(32));

  it('wraps data keys for one label only', () => {
    const dataKey = randomBytes(32);
    const wrapped = master.wrap(dataKey, 'subject:u-1');
    expect(master.unwrap(wrapped, 'subject:u-1')).toEqual(dataKey);
    expect(() => master.unwrap(wrapped, 'subject:u-2')).toThrow();
    expect(() => new MasterKey(randomBytes(32)).unwrap(wrapped, 'subject:u-1')).toThrow(/wrapped by master key/);
    expect(() => master.wrap(randomBytes(16), 'subject:u-1')).toThrow('32-byte');
    expect(() => new MasterKey(randomBytes(16))).toThrow('32 bytes');
  });

  it('names itself in every wrapped key, by an id that is not the key', () => {
    const bytes = randomBytes(32);
    const key = new MasterKey(bytes);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(new MasterKey(bytes).id).toBe(key.id);
    const wrapped = key.wrap(randomBytes(32), 'x');
    expect(wrapped).toHaveLength(71);
    expect(wrappedKeyOrigin(wrapped)).toEqual({ format: 'tagged', keyId: key.id });
    expect(bytes.toString('hex')).not.toContain(key.id);
  });

  it('never shows its bytes in logs or JSON', () => {
    const bytes = randomBytes(32);
    const ring = MasterKeyRing.of(bytes, randomBytes(32));
    const shown = [inspect(ring, { depth: 5, showHidden: true }), JSON.stringify(ring), JSON.stringify({ k: ring.current })].join(' ');
    for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(shown).not.toContain(bytes.toString(encoding));
    expect(shown).toContain(ring.current.id);
  });

  it('derives the same legacy keys as before, distinct per purpose', () => {
    const legacy = new MasterKey(LEGACY.master);
    expect(legacy.legacyDerive('a')).toEqual(legacy.legacyDerive('a'));
    expect(legacy.legacyDerive('a')).not.toEqual(legacy.legacyDerive('b'));
    expect(openText(legacy.legacyDerive('signing-keys'), LEGACY.signingKeyCiphertext, 'signing-key:kid-1')).toBe('PEM');
  });
});

describe('master key ring', () => {
  const old = randomBytes(32);
  const current = randomBytes(32);

  it('reads the untagged keys auth and alerts wrote before key ids', () => {
    const ring = MasterKeyRing.of(LEGACY.master);
    expect(wrappedKeyOrigin(LEGACY.authSubjectKey)).toEqual({ format: 'untagged' });
    expect(ring.unwrap(LEGACY.authSubjectKey, LEGACY.authSubjectLabel)).toEqual(LEGACY.dataKey);
    expect(ring.unwrap(LEGACY.alertsChannelKey, LEGACY.alertsChannelLabel)).toEqual(LEGACY.dataKey);
    expect(ring.isCurrent(LEGACY.authSubjectKey)).toBe(false);
    expect(MasterKeyRing.of(randomBytes(32), LEGACY.master).unwrap(LEGACY.authSubjectKey, LEGACY.authSubjectLabel)).toEqual(LEGACY.dataKey);
  });

  it('wraps under the current key and unwraps under the current or the previous one', () => {
    const before = MasterKeyRing.of(old);
    const during = MasterKeyRing.of(current, old);
    const dataKey = randomBytes(32);
    const underOld = before.wrap(dataKey, 'subject:s');
    expect(during.unwrap(underOld, 'subject:s')).toEqual(dataKey);
    const underNew = during.wrap(dataKey, 'subject:s');
    expect(wrappedKeyOrigin(underNew)).toEqual({ format: 'tagged', keyId: during.current.id });
    expect(MasterKeyRing.of(current).unwrap(underNew, 'subject:s')).toEqual(dataKey);
  });

  it('refuses a key wrapped by a master key it does not have, naming ids only', () => {
    const stranger = MasterKeyRing.of(randomBytes(32));
    const wrapped = stranger.wrap(randomBytes(32), 'subject:s');
    const ring = MasterKeyRing.of(current, old);
    expect(() => ring.unwrap(wrapped, 'subject:s')).toThrow(
      `subject:s was wrapped by master key ${stranger.current.id}, which is not configured (${ring.describe()})`,
    );
    expect(() => ring.unwrap(LEGACY.authSubjectKey, LEGACY.authSubjectLabel)).toThrow(/untagged .* no configured master key opens it/);
    expect(() => ring.unwrap(randomBytes(40), 'subject:s')).toThrow('not a wrapped data key (40 bytes)');
  });

  it('re-wraps what is not under the current key, and leaves what is', () => {
    const ring = MasterKeyRing.of(current, old);
    const dataKey = randomBytes(32);
    const underOld = MasterKeyRing.of(old).wrap(dataKey, 'subject:s');
    const rewrapped = ring.rewrap(underOld, 'subject:s')!;
    expect(ring.isCurrent(rewrapped)).toBe(true);
    expect(ring.rewrap(rewrapped, 'subject:s')).toBeUndefined();
    expect(MasterKeyRing.of(current).unwrap(rewrapped, 'subject:s')).toEqual(dataKey);
    const legacy = MasterKeyRing.of(randomBytes(32), LEGACY.master).rewrap(LEGACY.authSubjectKey, LEGACY.authSubjectLabel)!;
    expect(wrappedKeyOrigin(legacy).format).toBe('tagged');
  });

  it('tells which configured key opens a wrapped key', () => {
    const ring = MasterKeyRing.of(current, LEGACY.master);
    expect(ring.opener(LEGACY.authSubjectKey, LEGACY.authSubjectLabel)?.id).toBe(new MasterKey(LEGACY.master).id);
    expect(MasterKeyRing.of(current).opener(LEGACY.authSubjectKey, LEGACY.authSubjectLabel)).toBeUndefined();
  });

  it('ignores a previous key equal to the current one', () => {
    expect(MasterKeyRing.of(current, current).keys).toHaveLength(1);
  });
});
