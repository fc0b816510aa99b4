import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@llmlab/config';
import { KEY_BYTES } from './aes-gcm';
import { MasterKeyRing } from './master-key';
import { generateDataKey } from './secrets';

/** Where the loud warning goes (the service's pino logger). */
export interface WarningLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MasterKeySource {
  NODE_ENV: string;
  MASTER_ENCRYPTION_KEY?: string;
  MASTER_ENCRYPTION_KEY_PREVIOUS?: string;
}

function parse(value: string, variable: string): Buffer {
  const bytes = Buffer.from(value.trim(), 'base64');
  if (bytes.length !== KEY_BYTES || bytes.toString('base64') !== value.trim()) {
    throw new ConfigError([{ variable, message: `must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)` }]);
  }
  return bytes;
}

/**
 * The master keys of every service that keeps secrets: MASTER_ENCRYPTION_KEY wraps, and during a rotation
 * MASTER_ENCRYPTION_KEY_PREVIOUS still unwraps (docs/operations.md, "Rotate the master key").
 *
 * Production refuses to start without MASTER_ENCRYPTION_KEY: a generated key would silently make every stored
 * secret unreadable on the next machine. Elsewhere one is generated once and kept in `devKeyFile` (one file for
 * all the services of a checkout), so a developer's data survives restarts.
 */
export function loadMasterKey(env: MasterKeySource, devKeyFile: string, logger: WarningLogger): MasterKeyRing {
  const previous = env.MASTER_ENCRYPTION_KEY_PREVIOUS
    ? parse(env.MASTER_ENCRYPTION_KEY_PREVIOUS, 'MASTER_ENCRYPTION_KEY_PREVIOUS')
    : undefined;
  if (env.MASTER_ENCRYPTION_KEY) return MasterKeyRing.of(parse(env.MASTER_ENCRYPTION_KEY, 'MASTER_ENCRYPTION_KEY'), previous);
  if (env.NODE_ENV === 'production') {
    throw new ConfigError([{ variable: 'MASTER_ENCRYPTION_KEY', message: 'is required in production (openssl rand -base64 32)' }]);
  }
  return MasterKeyRing.of(developmentKey(devKeyFile, logger), previous);
}

function developmentKey(devKeyFile: string, logger: WarningLogger): Buffer {
  mkdirSync(dirname(devKeyFile), { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: when several services start together, one link wins and every
  // process reads a complete file.
  const candidate = `${devKeyFile}.${process.pid}.tmp`;
  writeFileSync(candidate, generateDataKey().toString('base64') + '\n', { mode: 0o600 });
  try {
    linkSync(candidate, devKeyFile);
    logger.warn(
      { file: devKeyFile },
      'MASTER_ENCRYPTION_KEY is not set: generated a development master key. Never run production like this: set MASTER_ENCRYPTION_KEY.',
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    logger.warn({ file: devKeyFile }, 'MASTER_ENCRYPTION_KEY is not set: using the development master key from the file');
  } finally {
    unlinkSync(candidate);
  }
  return parse(readFileSync(devKeyFile, 'utf8').trim(), devKeyFile);
}
