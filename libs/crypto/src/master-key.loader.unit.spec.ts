import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@llmlab/config';
import { MasterKey } from './master-key';
import { loadMasterKey } from './master-key.loader';

describe('loadMasterKey', () => {
  let dir: string;
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, msg: string) => void warnings.push(msg) };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmlab-master-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes MASTER_ENCRYPTION_KEY when set', () => {
    const value = randomBytes(32);
    const ring = loadMasterKey({ NODE_ENV: 'production', MASTER_ENCRYPTION_KEY: value.toString('base64') }, join(dir, 'k'), logger);
    expect(ring.current.id).toBe(new MasterKey(value).id);
    expect(ring.keys).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('takes MASTER_ENCRYPTION_KEY_PREVIOUS beside it, for unwrapping only', () => {
    const [current, previous] = [randomBytes(32), randomBytes(32)];
    const ring = loadMasterKey(
      {
        NODE_ENV: 'production',
        MASTER_ENCRYPTION_KEY: current.toString('base64'),
        MASTER_ENCRYPTION_KEY_PREVIOUS: previous.toString('base64'),
      },
      join(dir, 'k'),
      logger,
    );
    expect(ring.keys.map((k) => k.id)).toEqual([new MasterKey(current).id, new MasterKey(previous).id]);
    expect(() =>
      loadMasterKey(
        { NODE_ENV: 'production', MASTER_ENCRYPTION_KEY: current.toString('base64'), MASTER_ENCRYPTION_KEY_PREVIOUS: 'c2hvcnQ=' },
        join(dir, 'k'),
        logger,
      ),
    ).toThrow(/MASTER_ENCRYPTION_KEY_PREVIOUS: must be 32 bytes/);
  });

  it('refuses to start in production without it, naming the variable', () => {
    expect(() => loadMasterKey({ NODE_ENV: 'production' }, join(dir, 'k'), logger)).toThrow(ConfigError);
    expect(() => loadMasterKey({ NODE_ENV: 'production' }, join(dir, 'k'), logger)).toThrow(
      /MASTER_ENCRYPTION_KEY: is required in production/,
    );
  });

  it('refuses a key that is not 32 bytes of canonical base64', () => {
    expect(() => loadMasterKey({ NODE_ENV: 'test', MASTER_ENCRYPTION_KEY: 'c2hvcnQ=' }, join(dir, 'k'), logger)).toThrow(/32 bytes/);
    const padded = `${randomBytes(32).toString('base64')}=`;
    expect(() => loadMasterKey({ NODE_ENV: 'test', MASTER_ENCRYPTION_KEY: padded }, join(dir, 'k'), logger)).toThrow(/32 bytes/);
  });

  it('generates a development key once, loudly, keeps it private, and reuses it', () => {
    const file = join(dir, 'nested', 'master.key');
    const first = loadMasterKey({ NODE_ENV: 'development' }, file, logger);
    expect(warnings[0]).toMatch(/generated a development master key/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = loadMasterKey({ NODE_ENV: 'development' }, file, logger);
    expect(warnings[1]).toMatch(/using the development master key from the file/);
    expect(second.current.id).toBe(first.current.id);
    const dataKey = randomBytes(32);
    expect(second.unwrap(first.wrap(dataKey, 'c'), 'c')).toEqual(dataKey);
  });
});
