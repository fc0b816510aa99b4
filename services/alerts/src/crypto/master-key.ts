import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { loadMasterKeyBytes, type MasterKeySource, type WarningLogger } from '@llmlab/config';

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

/** The alerts service's master key (see loadMasterKeyBytes for where it comes from and when start-up refuses). */
export function loadMasterKey(env: MasterKeySource, devKeyFile: string, logger: WarningLogger): MasterKey {
  return new MasterKey(loadMasterKeyBytes(env, devKeyFile, logger));
}
