import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256 keys: the master key and every data key. */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** iv | tag, in front of every ciphertext. */
export const SEAL_OVERHEAD_BYTES = IV_BYTES + TAG_BYTES;

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`an AES-256 key must be ${KEY_BYTES} bytes, not ${key.length}`);
}

/**
 * AES-256-GCM with associated data, laid out as iv (12 bytes) | tag (16 bytes) | ciphertext: the layout of every
 * ciphertext the platform has ever stored. The associated data binds the ciphertext to its place (a subject and
 * a field, a channel, a key's row), so one copied into another record is refused rather than read. A fresh random
 * IV per call: never seal more than 2^32 messages under one key (data keys are per subject, far below that).
 */
export function seal(key: Buffer, plaintext: string | Buffer, associatedData: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** The plaintext; throws when the key, the associated data or any byte differs from what was sealed. */
export function open(key: Buffer, sealed: Buffer, associatedData: string): Buffer {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, SEAL_OVERHEAD_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(SEAL_OVERHEAD_BYTES)), decipher.final()]);
  } catch {
    // Node's message ("unable to authenticate data") says nothing more; this one says where to look.
    throw new Error(`cannot open the ciphertext bound to "${associatedData}": another key, another place, or altered`);
  }
}

/** `seal` as base64url text, the form ciphertexts take in events and JSON columns. */
export function sealText(key: Buffer, plaintext: string | Buffer, associatedData: string): string {
  return seal(key, plaintext, associatedData).toString('base64url');
}

/** `open` of base64url text, decoded as UTF-8. */
export function openText(key: Buffer, sealed: string, associatedData: string): string {
  return open(key, Buffer.from(sealed, 'base64url'), associatedData).toString('utf8');
}
