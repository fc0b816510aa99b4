import { createHmac, generateKeyPairSync, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { MasterKey, MasterKeyRing, openField, rotateWrappedKeys, seal, sealField, sealText, SubjectKeyStore } from '@llmlab/crypto';
import { createEventStore } from '@llmlab/event-store';
import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { Pool } from 'pg';
import { SigningKeyRing } from '../sessions/signing-keys';
import { loadServiceKeys } from './service-keys';

/**
 * The upgrade and the first rotation of an installation whose email hashes and signing keys came from keys derived
 * from the master key: after both, with only the new master key, every hash, signing key and personal field of
 * before is still what it was.
 */
describe('auth service keys (PostgreSQL, as llmlab_app)', () => {
  const OLD = randomBytes(32);
  const NEW = randomBytes(32);
  const email = 'ada@example.com';
  const userId = randomUUID();
  const kid = 'kid-before-the-upgrade';
  const derived = (purpose: string) => Buffer.from(hkdfSync('sha256', OLD, Buffer.alloc(0), `llmlab:${purpose}`, 32));
  /** The hash the auth service wrote into events before the upgrade. */
  const hashBefore = createHmac('sha256', derived('email-lookup')).update(email).digest('hex');
  let db: TestDatabase;
  let owner: Pool;
  let pool: Pool;
  let userKey: Buffer;
  let emailCiphertext: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Pool({ connectionString: db.url, max: 2 });
    pool = new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 4 });
    // What the service left before the upgrade: a signing key under the derived key, a subject key wrapped
    // without a key id, a personal field sealed under it.
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await owner.query(
      `INSERT INTO auth.signing_keys (kid, algorithm, public_jwk, private_key_ciphertext, created_at) VALUES ($1, 'RS256', '{}', $2, now())`,
      [kid, sealText(derived('signing-keys'), pem, `signing-key:${kid}`)],
    );
    userKey = randomBytes(32);
    await owner.query(`INSERT INTO auth.subject_keys (subject_id, wrapped_key) VALUES ($1, $2)`, [
      userId,
      seal(OLD, userKey, `wrap:subject:${userId}`),
    ]);
    emailCiphertext = sealField(userKey, userId, 'email', email);
  });
  afterAll(async () => {
    await pool?.end();
    await owner?.end();
    await db?.drop();
  });

  const signingKid = async (ring: MasterKeyRing) =>
    (await new SigningKeyRing(pool, createEventStore({ pool }), (await loadServiceKeys(pool, ring)).signingKeyCipher, 30).signingKey()).kid;

  it('refuses to start when the data of before was written under a master key it is not given, naming the variable', async () => {
    await expect(loadServiceKeys(pool, MasterKeyRing.of(NEW))).rejects.toThrow(/MASTER_ENCRYPTION_KEY_PREVIOUS/);
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM auth.service_keys`);
    expect(rows[0].n).toBe(0);
  });

  it('keeps the derived keys at the first start after the upgrade, mid-rotation, when replicas start together', async () => {
    const during = MasterKeyRing.of(NEW, OLD);
    const loaded = await Promise.all([loadServiceKeys(pool, during), loadServiceKeys(pool, during), loadServiceKeys(pool, during)]);
    for (const keys of loaded) expect(keys.emailLookup.hash(' Ada@Example.com')).toBe(hashBefore);
    expect(await signingKid(during)).toBe(kid);
    const { rows } = await owner.query(`SELECT subject_id FROM auth.service_keys ORDER BY 1`);
    expect(rows.map((r) => r.subject_id)).toEqual(['email-lookup', 'signing-keys']);
  });

  it('after keys:rotate, reads everything of before with the new master key alone', async () => {
    const report = await rotateWrappedKeys(owner, MasterKeyRing.of(NEW, OLD));
    expect(report.problems).toEqual([]);
    expect(report.tables.filter((t) => t.table.startsWith('auth.'))).toEqual([
      { table: 'auth.service_keys', scanned: 2, rewrapped: 0, alreadyCurrent: 2, changedMeanwhile: 0 },
      { table: 'auth.subject_keys', scanned: 1, rewrapped: 1, alreadyCurrent: 0, changedMeanwhile: 0 },
    ]);

    const after = MasterKeyRing.of(NEW);
    expect((await loadServiceKeys(pool, after)).emailLookup.hash(email)).toBe(hashBefore);
    expect(await signingKid(after)).toBe(kid);
    const key = await new SubjectKeyStore(pool, after, 'auth.subject_keys').get(userId);
    expect(openField(key, userId, 'email', emailCiphertext)).toBe(email);
  });

  it('still reads them after the next rotation, though no key derived from either master key is involved any more', async () => {
    const NEXT = randomBytes(32);
    expect((await rotateWrappedKeys(owner, MasterKeyRing.of(NEXT, NEW))).problems).toEqual([]);
    const after = MasterKeyRing.of(NEXT);
    expect((await loadServiceKeys(pool, after)).emailLookup.hash(email)).toBe(hashBefore);
    expect(await signingKid(after)).toBe(kid);
  });

  it('gives a new installation random keys, the same to every replica, derived from no master key', async () => {
    const fresh = await createTestDatabase();
    const freshPool = new Pool({ connectionString: fresh.url, options: '-c role=llmlab_app', max: 4 });
    try {
      const ring = MasterKeyRing.of(OLD);
      const [a, b] = await Promise.all([loadServiceKeys(freshPool, ring), loadServiceKeys(freshPool, ring)]);
      expect(a.emailLookup.hash(email)).toBe(b.emailLookup.hash(email));
      expect(a.signingKeyCipher).toEqual(b.signingKeyCipher);
      expect(a.emailLookup.hash(email)).not.toBe(hashBefore);
      expect(a.signingKeyCipher).not.toEqual(new MasterKey(OLD).legacyDerive('signing-keys'));
    } finally {
      await freshPool.end();
      await fresh.drop();
    }
  });
});
