import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './config';

export const MASTER_KEY_BYTES = 32;

/** Where the loud warning goes (the service's pino logger). */
export interface WarningLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MasterKeySource {
  NODE_ENV: string;
  MASTER_ENCRYPTION_KEY?: string;
}

function parse(value: string, variable: string): Buffer {
  const bytes = Buffer.from(value.trim(), 'base64');
  if (bytes.length !== MASTER_KEY_BYTES || bytes.toString('base64') !== value.trim()) {
    throw new ConfigError([{ variable, message: `must be ${MASTER_KEY_BYTES} bytes in base64 (openssl rand -base64 32)` }]);
  }
  return bytes;
}

/**
 * The 32 bytes of MASTER_ENCRYPTION_KEY, the key every service that keeps secrets wraps its data keys with.
 * Production refuses to start without it: a generated key would silently make every stored secret unreadable on
 * the next machine. Elsewhere one is generated once and kept in `devKeyFile` (one file for all the services of a
 * checkout), so a developer's data survives restarts.
 */
export function loadMasterKeyBytes(env: MasterKeySource, devKeyFile: string, logger: WarningLogger): Buffer {
  if (env.MASTER_ENCRYPTION_KEY) return parse(env.MASTER_ENCRYPTION_KEY, 'MASTER_ENCRYPTION_KEY');
  if (env.NODE_ENV === 'production') {
    throw new ConfigError([{ variable: 'MASTER_ENCRYPTION_KEY', message: 'is required in production (openssl rand -base64 32)' }]);
  }
  mkdirSync(dirname(devKeyFile), { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: when several services start together, one link wins and every
  // process reads a complete file.
  const candidate = `${devKeyFile}.${process.pid}.tmp`;
  writeFileSync(candidate, randomBytes(MASTER_KEY_BYTES).toString('base64') + '\n', { mode: 0o600 });
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
