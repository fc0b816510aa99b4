import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@llmlab/config';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/**
 * AES-256-GCM with associated data, base64url of iv (12 bytes) | tag (16 bytes) | ciphertext: the format the
 * auth service uses for the same master key. The associated data binds a ciphertext to its place, so one copied
 * into another record is refused rather than read.
 */
export function encrypt(key: Buffer, plaintext: string | Buffer, associatedData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function decrypt(key: Buffer, ciphertext: string, associatedData: string): Buffer {
  const raw = Buffer.from(ciphertext, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** The master key only wraps data keys: its exposure is one wrap per channel, never the secrets themselves. */
export class MasterKey {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes`);
  }

  wrap(dataKey: Buffer, label: string): string {
    return encrypt(this.key, dataKey, `wrap:${label}`);
  }

  unwrap(wrapped: string, label: string): Buffer {
    return decrypt(this.key, wrapped, `wrap:${label}`);
  }
}

/** Where the loud warning goes (the service's pino logger). */
export interface WarningLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MasterKeySource {
  NODE_ENV: string;
  MASTER_ENCRYPTION_KEY?: string;
}

function parse(value: string, variable: string): MasterKey {
  const bytes = Buffer.from(value.trim(), 'base64');
  if (bytes.length !== KEY_BYTES || bytes.toString('base64') !== value.trim()) {
    throw new ConfigError([{ variable, message: `must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)` }]);
  }
  return new MasterKey(bytes);
}

/**
 * The master key from MASTER_ENCRYPTION_KEY, as the auth service reads it. Production refuses to start without
 * it: a generated key would make every stored channel unreadable on the next machine. Elsewhere one is generated
 * once into `devKeyFile` (the file the auth service uses too, so a developer's services share it).
 */
export function loadMasterKey(env: MasterKeySource, devKeyFile: string, logger: WarningLogger): MasterKey {
  if (env.MASTER_ENCRYPTION_KEY) return parse(env.MASTER_ENCRYPTION_KEY, 'MASTER_ENCRYPTION_KEY');
  if (env.NODE_ENV === 'production') {
    throw new ConfigError([{ variable: 'MASTER_ENCRYPTION_KEY', message: 'is required in production (openssl rand -base64 32)' }]);
  }
  mkdirSync(dirname(devKeyFile), { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: when several services start together, one link wins and every
  // process reads a complete file.
  const candidate = `${devKeyFile}.${process.pid}.tmp`;
  writeFileSync(candidate, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600 });
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
