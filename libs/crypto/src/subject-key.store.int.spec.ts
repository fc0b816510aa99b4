import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, tolerateTeardown, uniqueSuffix, type TestDatabase } from '@llmlab/testing';
import { Pool } from 'pg';
import { MasterKeyRing, wrappedKeyOrigin } from './master-key';
import { subjectKeyLabel, SubjectKeyStore } from './subject-key.store';

describe('subject key store (PostgreSQL, as llmlab_app)', () => {
  let db: TestDatabase;
  let owner: Pool;
  let pool: Pool;
  const schema = `keys_${uniqueSuffix(4)}`;
  const ring = MasterKeyRing.of(randomBytes(32));
  const store = (table = 'people', keys = ring) => new SubjectKeyStore(pool, keys, `${schema}.${table}`);

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = tolerateTeardown(new Pool({ connectionString: db.url, max: 2 }));
    // Any service's own schema can hold a key table: the columns are the contract.
    await owner.query(`
      CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.people (subject_id uuid PRIMARY KEY, wrapped_key bytea NOT NULL, created_at timestamptz(3) NOT NULL DEFAULT now());
      CREATE TABLE ${schema}.named (subject_id text PRIMARY KEY, wrapped_key bytea NOT NULL, created_at timestamptz(3) NOT NULL DEFAULT now());
      GRANT USAGE ON SCHEMA ${schema} TO llmlab_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.people, ${schema}.named TO llmlab_app;`);
    pool = tolerateTeardown(new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 6 }));
  });
  afterAll(async () => {
    await pool?.end();
    await owner?.end();
    await db?.drop();
  });

  it('creates a subject key once, even when replicas race, and stores it wrapped under the current master key', async () => {
    const id = randomUUID();
    const keys = await Promise.all([store().ensure(id), store().ensure(id), store().ensure(id)]);
    expect(keys[0]).toHaveLength(32);
    expect(keys[1]).toEqual(keys[0]);
    expect(keys[2]).toEqual(keys[0]);
    const { rows } = await owner.query(`SELECT wrapped_key FROM ${schema}.people WHERE subject_id = $1`, [id]);
    expect(rows).toHaveLength(1);
    expect(wrappedKeyOrigin(rows[0].wrapped_key)).toEqual({ format: 'tagged', keyId: ring.current.id });
    expect(rows[0].wrapped_key.includes(keys[0])).toBe(false);
  });

  it('reads many at once, and nothing for subjects without a key', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const s = store();
    const ka = await s.ensure(a);
    const kb = await s.ensure(b);
    const found = await store().getMany([a, b, randomUUID(), a]);
    expect(found).toEqual(
      new Map([
        [a, ka],
        [b, kb],
      ]),
    );
  });

  it('shreds: a destroyed key is gone for every reader', async () => {
    const id = randomUUID();
    const s = store();
    await s.ensure(id);
    await s.destroy(id);
    expect(await s.get(id)).toBeUndefined();
    expect(await store().get(id)).toBeUndefined();
  });

  it('adopts a given key for a named subject, and keeps the first one stored', async () => {
    const adopted = randomBytes(32);
    expect(await store('named').ensure('email-lookup', () => adopted)).toEqual(adopted);
    expect(await store('named').ensure('email-lookup', () => randomBytes(32))).toEqual(adopted);
  });

  it('reads keys wrapped before key ids existed, and keys wrapped by the previous master key', async () => {
    const legacyMaster = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const legacyId = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50';
    const legacyWrapped = Buffer.from(
      '7915843f2f308e80be88b71e08cab287d9ca8d59d2fcef20b7112972723cbe3b82c5387746e63046f8dc51cb27bdf1df889681b7bdf31bdbd7221d81',
      'hex',
    );
    await owner.query(`INSERT INTO ${schema}.people (subject_id, wrapped_key) VALUES ($1, $2)`, [legacyId, legacyWrapped]);
    const during = MasterKeyRing.of(randomBytes(32), legacyMaster);
    expect(await store('people', during).get(legacyId)).toEqual(Buffer.from(Array.from({ length: 32 }, (_, i) => 255 - i)));

    const id = randomUUID();
    const key = await store().ensure(id);
    const next = new MasterKeyRing(MasterKeyRing.of(randomBytes(32)).current, ring.current);
    expect(await store('people', next).get(id)).toEqual(key);
    await expect(store('people', MasterKeyRing.of(randomBytes(32))).get(id)).rejects.toThrow(
      `${subjectKeyLabel(id)} was wrapped by master key ${ring.current.id}, which is not configured`,
    );
    const unreadable: string[] = [];
    const found = await store('people', MasterKeyRing.of(randomBytes(32))).getMany([id], (subject) => unreadable.push(subject));
    expect(found.size).toBe(0);
    expect(unreadable).toEqual([id]);
  });

  it('refuses a table name that is not schema.table', () => {
    expect(() => new SubjectKeyStore(pool, ring, 'people')).toThrow('<schema>.<table>');
    expect(() => new SubjectKeyStore(pool, ring, 'a.b; DROP TABLE x')).toThrow('<schema>.<table>');
  });
});
