import {
  EmailLookup,
  generateDataKey,
  openText,
  subjectKeyLabel,
  SubjectKeyStore,
  type MasterKey,
  type MasterKeyRing,
} from '@llmlab/crypto';
import type { Pool } from 'pg';

/** The auth service's stable secrets, stored wrapped in `auth.service_keys`. */
export interface ServiceKeys {
  /** Keys the email hashes of events, claims and read models. */
  emailLookup: EmailLookup;
  /** Encrypts the private signing keys in `auth.signing_keys`. */
  signingKeyCipher: Buffer;
}

const EMAIL_LOOKUP = 'email-lookup';
const SIGNING_KEYS = 'signing-keys';
/** A subject key wrapped before key ids: 12-byte IV, 16-byte tag, 32-byte key. */
const UNTAGGED_WRAPPED_BYTES = 60;

/**
 * Loads the service keys, creating them at the first start. They used to be derived from the master key, which a
 * rotation would have changed; email hashes live in immutable events, so the key that made them must outlive the
 * master key. An installation with data keeps the keys it derived (from the master key its data was written
 * under, which may be the previous one when the first start after the upgrade is mid-rotation); a new one gets
 * random keys.
 */
export async function loadServiceKeys(pool: Pool, ring: MasterKeyRing): Promise<ServiceKeys> {
  const store = new SubjectKeyStore(pool, ring, 'auth.service_keys');
  let origin: Promise<MasterKey | null> | undefined;
  const stable = (name: string) =>
    store.ensure(name, async () => {
      const master = await (origin ??= masterOfExistingData(pool, ring));
      return master ? master.legacyDerive(name) : generateDataKey();
    });
  return { emailLookup: new EmailLookup(await stable(EMAIL_LOOKUP)), signingKeyCipher: await stable(SIGNING_KEYS) };
}

/**
 * The master key that wrote the data of before the service keys were stored, found by what it wrote: the oldest
 * signing key (encrypted under the key derived for signing keys) or an untagged subject key. Null when there is
 * no such data: a new installation.
 */
async function masterOfExistingData(pool: Pool, ring: MasterKeyRing): Promise<MasterKey | null> {
  const signing = await pool.query<{ kid: string; private_key_ciphertext: string }>(
    `SELECT kid, private_key_ciphertext FROM auth.signing_keys ORDER BY created_at LIMIT 1`,
  );
  if (signing.rows.length) {
    const { kid, private_key_ciphertext } = signing.rows[0];
    const master = ring.keys.find((key) =>
      opens(() => openText(key.legacyDerive(SIGNING_KEYS), private_key_ciphertext, `signing-key:${kid}`)),
    );
    if (!master) throw missingMaster(ring);
    return master;
  }
  const subjects = await pool.query<{ subject_id: string; wrapped_key: Buffer }>(
    `SELECT subject_id, wrapped_key FROM auth.subject_keys WHERE length(wrapped_key) = $1 LIMIT 1`,
    [UNTAGGED_WRAPPED_BYTES],
  );
  if (subjects.rows.length) {
    const { subject_id, wrapped_key } = subjects.rows[0];
    const master = ring.opener(wrapped_key, subjectKeyLabel(subject_id));
    if (!master) throw missingMaster(ring);
    return master;
  }
  return null;
}

function opens(attempt: () => unknown): boolean {
  try {
    attempt();
    return true;
  } catch {
    return false;
  }
}

function missingMaster(ring: MasterKeyRing): Error {
  return new Error(
    `the existing auth data was written under a master key that is not configured (${ring.describe()}): ` +
      'set MASTER_ENCRYPTION_KEY, or MASTER_ENCRYPTION_KEY_PREVIOUS during a rotation, to the key it was written under',
  );
}
