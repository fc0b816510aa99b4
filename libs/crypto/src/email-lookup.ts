import { createHmac } from 'node:crypto';
import { KEY_BYTES } from './aes-gcm';

/** Emails are compared after trimming, Unicode NFC and lower-casing: `Ada@Example.com ` is `ada@example.com`. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * Keyed hash (HMAC-SHA256) by which a normalised email is found without being stored in clear. Keyed, so the
 * hashes in the event store cannot be reversed with a list of known addresses. The key is a stored data key,
 * never derived from the current master key: hashes live in immutable events and must outlive a key rotation.
 */
export class EmailLookup {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the email lookup key must be ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
  }

  hash(email: string): string {
    return createHmac('sha256', this.#key).update(normalizeEmail(email)).digest('hex');
  }
}
