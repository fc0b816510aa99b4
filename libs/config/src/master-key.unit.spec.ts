import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config';
import { loadMasterKeyBytes as loadMasterKey } from './master-key';

describe('loadMasterKeyBytes', () => {
  let dir: string;
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, msg: string) => void warnings.push(msg) };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmlab-master-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes MASTER_ENCRYPTION_KEY when set', () => {
    const value = randomBytes(32).toString('base64');
    const key = loadMasterKey({ NODE_ENV: 'production', MASTER_ENCRYPTION_KEY: value }, join(dir, 'k'), logger);
    expect(key).toEqual(Buffer.from(value, 'base64'));
    expect(warnings).toEqual([]);
  });

  it('refuses to start in production without it, naming the variable', () => {
    expect(() => loadMasterKey({ NODE_ENV: 'production' }, join(dir, 'k'), logger)).toThrow(ConfigError);
    expect(() => loadMasterKey({ NODE_ENV: 'production' }, join(dir, 'k'), logger)).toThrow(
      /MASTER_ENCRYPTION_KEY: is required in production/,
    );
  });

  it('refuses a key that is not 32 bytes of base64', () => {
    expect(() => loadMasterKey({ NODE_ENV: 'test', MASTER_ENCRYPTION_KEY: 'c2hvcnQ=' }, join(dir, 'k'), logger)).toThrow(/32 bytes/);
  });

  it('generates a development key once, loudly, and reuses it', () => {
    const file = join(dir, 'nested', 'master.key');
    const first = loadMasterKey({ NODE_ENV: 'development' }, file, logger);
    expect(warnings[0]).toMatch(/generated a development master key/);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadMasterKey({ NODE_ENV: 'development' }, file, logger);
    expect(second).toEqual(first);
    expect(warnings[1]).toMatch(/using the development master key from the file/);
  });
});
