import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Ciphertext } from '@llmlab/contracts';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/**
 * AES-256-GCM with associated data: a ciphertext only decrypts under its key *and* in its place (the subject
 * and the field), so a ciphertext copied into another record is refused rather than read.
 */
export function encrypt(key: Buffer, plaintext: string | Buffer, associatedData: string): Ciphertext {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function decryptToBuffer(key: Buffer, ciphertext: Ciphertext | Buffer, associatedData: string): Buffer {
  const raw = typeof ciphertext === 'string' ? Buffer.from(ciphertext, 'base64url') : ciphertext;
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export function decrypt(key: Buffer, ciphertext: Ciphertext, associatedData: string): string {
  return decryptToBuffer(key, ciphertext, associatedData).toString('utf8');
}

/**
 * The master key wraps data keys and derives purpose-bound keys; it never encrypts data itself, so its
 * exposure surface is a handful of wraps per subject.
 */
export class MasterKey {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes`);
  }

  wrap(dataKey: Buffer, label: string): Buffer {
    return Buffer.from(encrypt(this.key, dataKey, `wrap:${label}`), 'base64url');
  }

  unwrap(wrapped: Buffer, label: string): Buffer {
    return decryptToBuffer(this.key, wrapped, `wrap:${label}`);
  }

  /** A key for one purpose (HKDF-SHA256), stable as long as the master key is. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `llmlab:${purpose}`, KEY_BYTES));
  }
}

/** Emails are compared after trimming, Unicode NFC and lower-casing: `Ada@Example.com ` is `ada@example.com`. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * Keyed hash by which a normalised email is found without being stored in clear. Keyed, so the hashes in the
 * event store cannot be reversed with a list of known addresses.
 */
export class EmailLookup {
  private readonly key: Buffer;

  constructor(master: MasterKey) {
    this.key = master.derive('email-lookup');
  }

  hash(email: string): string {
    return createHmac('sha256', this.key).update(normalizeEmail(email)).digest('hex');
  }
}
