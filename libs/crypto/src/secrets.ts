import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KEY_BYTES } from './aes-gcm';

/** Below this, a secret could be guessed or collide: 128 bits. */
const MIN_SECRET_BYTES = 16;

/** A fresh AES-256 data key (or master key) from the operating system's CSPRNG. */
export function generateDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** `bytes` random bytes for a secret that is formatted elsewhere (API keys carry a checksum: contracts/). */
export function randomSecretBytes(bytes: number): Buffer {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES) throw new Error(`a secret needs at least ${MIN_SECRET_BYTES} random bytes`);
  return randomBytes(bytes);
}

/**
 * `<prefix>_<base64url of bytes random bytes>` (32 by default: 256 bits). The prefix makes a leaked secret
 * recognisable to people and secret scanners (`whsec_` webhook signing secrets, `rt_` refresh tokens).
 */
export function generateSecret(prefix: string, bytes = KEY_BYTES): string {
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) throw new Error(`a secret prefix is lower-case letters and digits, not "${prefix}"`);
  return `${prefix}_${randomSecretBytes(bytes).toString('base64url')}`;
}

/**
 * Whether a presented secret is the expected one, in time that tells nothing about either: both are hashed first,
 * so the comparison runs over equal lengths whatever was sent, and neither length nor a common prefix leaks.
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
