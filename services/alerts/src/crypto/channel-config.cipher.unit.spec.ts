import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@llmlab/config';
import { ChannelConfigCipher } from './channel-config.cipher';
import { loadMasterKey, MasterKey } from './master-key';

describe('channel configuration encryption', () => {
  const cipher = new ChannelConfigCipher(new MasterKey(randomBytes(32)));
  const config = { url: 'https://hooks.slack.com/services/T1/B1/secret-part', secret: 'whsec_abc' };

  it('round-trips without the secret in the sealed form, with a fresh key each time', () => {
    const a = cipher.seal('chn-1', config);
    const b = cipher.seal('chn-1', config);
    expect(JSON.stringify(a)).not.toContain('secret-part');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(cipher.open('chn-1', a)).toEqual(config);
  });

  it('refuses another channel, another master key, or a changed byte', () => {
    const sealed = cipher.seal('chn-1', config);
    expect(() => cipher.open('chn-2', sealed)).toThrow();
    expect(() => new ChannelConfigCipher(new MasterKey(randomBytes(32))).open('chn-1', sealed)).toThrow();
    const raw = Buffer.from(sealed.ciphertext, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => cipher.open('chn-1', { ...sealed, ciphertext: raw.toString('base64url') })).toThrow();
  });
});

describe('loadMasterKey', () => {
  let dir: string;
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, msg: string) => void warnings.push(msg) };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmlab-alerts-master-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes MASTER_ENCRYPTION_KEY when set, and refuses one that is not 32 bytes of base64', () => {
    const value = randomBytes(32).toString('base64');
    expect(loadMasterKey({ NODE_ENV: 'production', MASTER_ENCRYPTION_KEY: value }, join(dir, 'k'), logger)).toBeInstanceOf(MasterKey);
    expect(() => loadMasterKey({ NODE_ENV: 'test', MASTER_ENCRYPTION_KEY: 'c2hvcnQ=' }, join(dir, 'k'), logger)).toThrow(/32 bytes/);
    expect(warnings).toEqual([]);
  });

  it('fails fast in production without it, naming the variable', () => {
    expect(() => loadMasterKey({ NODE_ENV: 'production' }, join(dir, 'k'), logger)).toThrow(ConfigError);
    expect(() => loadMasterKey({ NODE_ENV: 'production' }, join(dir, 'k'), logger)).toThrow(
      /MASTER_ENCRYPTION_KEY: is required in production/,
    );
  });

  it('generates a development key once, loudly, keeps it private, and reuses it', () => {
    const file = join(dir, 'nested', 'master.key');
    const first = loadMasterKey({ NODE_ENV: 'development' }, file, logger);
    expect(warnings[0]).toMatch(/generated a development master key/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = loadMasterKey({ NODE_ENV: 'development' }, file, logger);
    expect(warnings[1]).toMatch(/using the development master key from the file/);
    const sealed = new ChannelConfigCipher(first).seal('c', { url: 'x' });
    expect(new ChannelConfigCipher(second).open('c', sealed)).toEqual({ url: 'x' });
  });
});
