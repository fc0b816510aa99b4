import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { repositoryRoot } from '@llmlab/persistence';
import { createTestDatabase, tolerateTeardown, uniqueSuffix, type TestDatabase } from '@llmlab/testing';
import { Pool } from 'pg';
import { seal } from './aes-gcm';
import { rotateWrappedKeys } from './key-rotation';
import { MasterKeyRing, wrappedKeyOrigin } from './master-key';
import { openField, sealField } from './personal-field';
import { subjectKeyLabel, SubjectKeyStore } from './subject-key.store';

const run = promisify(execFile);
jest.setTimeout(60_000);

/**
 * Master-key rotation on a real database: key tables in two schemas of their own (a service's uuid subjects and
 * named keys) beside the platform's, written under the old key, re-wrapped while readers and writers run.
 */
describe('master key rotation (PostgreSQL)', () => {
  let db: TestDatabase;
  let owner: Pool;
  let app: Pool;
  const schema = `rot_${uniqueSuffix(4)}`;
  const people = `${schema}.people`;
  const named = `${schema}.named`;
  // Master keys in the order the tests rotate through them.
  const [OLD, NEW, NEWER, FOURTH, FIFTH] = Array.from({ length: 5 }, () => randomBytes(32));
  const before = MasterKeyRing.of(OLD);
  const during = MasterKeyRing.of(NEW, OLD);
  const after = MasterKeyRing.of(NEW);
  /** What each subject's data key was when written, and a field sealed under it. */
  const written = new Map<string, { table: string; key: Buffer; field: string }>();

  const rows = async (table: string) =>
    (await owner.query<{ subject_id: string; wrapped_key: Buffer }>(`SELECT subject_id, wrapped_key FROM ${table} ORDER BY subject_id`))
      .rows;
  const keysUnder = async (table: string, ring: MasterKeyRing) => {
    const ids = [...written].filter(([, w]) => w.table === table).map(([id]) => id);
    return new SubjectKeyStore(app, ring, table).getMany(ids);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = tolerateTeardown(new Pool({ connectionString: db.url, max: 3 }));
    await owner.query(`
      CREATE SCHEMA ${schema};
      CREATE TABLE ${people} (subject_id uuid PRIMARY KEY, wrapped_key bytea NOT NULL, created_at timestamptz(3) NOT NULL DEFAULT now());
      CREATE TABLE ${named} (subject_id text PRIMARY KEY, wrapped_key bytea NOT NULL, created_at timestamptz(3) NOT NULL DEFAULT now());
      GRANT USAGE ON SCHEMA ${schema} TO llmlab_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${people}, ${named} TO llmlab_app;`);
    app = tolerateTeardown(new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 8 }));

    // Written by the services under the old key: 20 people and 2 named keys through the store, 3 people in the
    // format of before key ids.
    for (let i = 0; i < 20; i++) {
      const id = randomUUID();
      const key = await new SubjectKeyStore(app, before, people).ensure(id);
      written.set(id, { table: people, key, field: sealField(key, id, 'email', `p${i}@example.com`) });
    }
    for (const name of ['email-lookup', 'signing-keys']) {
      const key = await new SubjectKeyStore(app, before, named).ensure(name);
      written.set(name, { table: named, key, field: sealField(key, name, 'probe', name) });
    }
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      const key = randomBytes(32);
      await owner.query(`INSERT INTO ${people} (subject_id, wrapped_key) VALUES ($1, $2)`, [
        id,
        seal(OLD, key, `wrap:${subjectKeyLabel(id)}`),
      ]);
      written.set(id, { table: people, key, field: sealField(key, id, 'email', `legacy${i}@example.com`) });
    }
  });
  afterAll(async () => {
    await app?.end();
    await owner?.end();
    await db?.drop();
  });

  it('re-wraps everything under the new key in batches, after which the new key alone reads what the old one wrote', async () => {
    const batches: number[] = [];
    const report = await rotateWrappedKeys(owner, during, { batchSize: 7, onBatch: (t) => t.table === people && batches.push(t.scanned) });
    expect(report.problems).toEqual([]);
    expect(report.currentKeyId).toBe(during.current.id);
    expect(report.tables).toEqual(
      expect.arrayContaining([
        { table: people, scanned: 23, rewrapped: 23, alreadyCurrent: 0, changedMeanwhile: 0 },
        { table: named, scanned: 2, rewrapped: 2, alreadyCurrent: 0, changedMeanwhile: 0 },
      ]),
    );
    // The platform's own key tables are found by the same columns (empty in a fresh database).
    expect(report.tables.map((t) => t.table)).toEqual(
      expect.arrayContaining(['auth.subject_keys', 'auth.service_keys', 'alerts.channel_keys']),
    );
    expect(batches).toEqual([7, 14, 21, 23]);

    for (const table of [people, named]) {
      for (const row of await rows(table)) expect(wrappedKeyOrigin(row.wrapped_key)).toEqual({ format: 'tagged', keyId: after.current.id });
      const keys = await keysUnder(table, after);
      for (const [id, w] of written) {
        if (w.table !== table) continue;
        expect(keys.get(id)).toEqual(w.key);
        expect(openField(keys.get(id), id, w.table === people ? 'email' : 'probe', w.field)).toMatch(
          /@example\.com$|^email-lookup$|^signing-keys$/,
        );
      }
    }
    await expect(keysUnder(people, before)).rejects.toThrow(/which is not configured/);
  });

  it('changes nothing when run again', async () => {
    const snapshot = [...(await rows(people)), ...(await rows(named))];
    const report = await rotateWrappedKeys(owner, during, { batchSize: 4 });
    expect(report.problems).toEqual([]);
    for (const t of report.tables) expect(t.rewrapped).toBe(0);
    expect(report.tables.find((t) => t.table === people)).toMatchObject({ scanned: 23, alreadyCurrent: 23 });
    expect([...(await rows(people)), ...(await rows(named))]).toEqual(snapshot);
  });

  it('rotates while services read, create and shred keys, and none of them sees an error or a wrong key', async () => {
    const rotating = MasterKeyRing.of(NEWER, NEW);
    // A service restarted for the rotation: new keys under NEWER, old ones read under either.
    let done = false;
    /** Reads that saw keys under both master keys: proof they ran while the rotation was half-way. */
    let midRotation = 0;
    const errors: unknown[] = [];
    const shredded = new Set<string>();
    const reader = async () => {
      let reads = 0;
      do {
        try {
          const expected = [...written].filter(([id, w]) => w.table === people && !shredded.has(id));
          // A fresh store each time: no cache, every read unwraps what is in the table at that moment.
          const keys = await new SubjectKeyStore(app, rotating, people).getMany(expected.map(([id]) => id));
          for (const [id, w] of expected) {
            const key = keys.get(id);
            // Absent only if the writer shredded it during the read.
            if (key ? !key.equals(w.key) : !shredded.has(id)) errors.push(`wrong key for ${id}`);
          }
          reads++;
          const origins = new Set((await rows(people)).map((r) => JSON.stringify(wrappedKeyOrigin(r.wrapped_key))));
          if (origins.size > 1) midRotation++;
        } catch (err) {
          errors.push(err);
        }
      } while (!done);
      return reads;
    };
    const writer = async () => {
      const store = new SubjectKeyStore(app, rotating, people);
      let i = 0;
      while (!done) {
        const id = randomUUID();
        written.set(id, {
          table: people,
          key: await store.ensure(id),
          field: sealField((await store.get(id))!, id, 'email', `w${i++}@example.com`),
        });
        const victim = [...written].find(([vid, w]) => w.table === people && !shredded.has(vid) && vid !== id)![0];
        shredded.add(victim);
        await store.destroy(victim);
      }
    };
    const readers = [reader(), reader(), writer()];
    const report = await rotateWrappedKeys(owner, rotating, { batchSize: 1 });
    done = true;
    const [reads] = await Promise.all(readers);
    expect(errors).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(midRotation).toBeGreaterThan(0);
    expect(report.problems).toEqual([]);

    // Whatever the race left under NEW (a row destroyed or written meanwhile) a second pass settles.
    await rotateWrappedKeys(owner, rotating, { batchSize: 3 });
    const alone = MasterKeyRing.of(NEWER);
    for (const row of await rows(people)) expect(alone.isCurrent(row.wrapped_key)).toBe(true);
    const keys = await keysUnder(people, alone);
    for (const [id, w] of written) if (w.table === people) expect(keys.get(id)).toEqual(shredded.has(id) ? undefined : w.key);
    for (const id of shredded) written.delete(id);
  });

  it('reports a key wrapped under a master key it does not have, leaves it as it is, and rotates the rest', async () => {
    const ring = MasterKeyRing.of(FOURTH, NEWER);
    const stranger = MasterKeyRing.of(randomBytes(32));
    const lost: string = randomUUID();
    const lostWrapped = stranger.wrap(randomBytes(32), subjectKeyLabel(lost));
    await owner.query(`INSERT INTO ${people} (subject_id, wrapped_key) VALUES ($1, $2)`, [lost, lostWrapped]);
    const garbage: string = randomUUID();
    await owner.query(`INSERT INTO ${people} (subject_id, wrapped_key) VALUES ($1, $2)`, [garbage, randomBytes(60)]);

    const report = await rotateWrappedKeys(owner, ring, { batchSize: 5 });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        { table: people, subjectId: lost, reason: expect.stringContaining(`wrapped by master key ${stranger.current.id}`) },
        { table: people, subjectId: garbage, reason: expect.stringContaining('untagged (written before key ids)') },
      ]),
    );
    expect(report.problems).toHaveLength(2);
    const rowsNow = await rows(people);
    expect(rowsNow.find((r) => r.subject_id === lost)!.wrapped_key).toEqual(lostWrapped);
    expect(rowsNow.filter((r) => ![lost, garbage].includes(r.subject_id)).every((r) => ring.isCurrent(r.wrapped_key))).toBe(true);
    const said = JSON.stringify(report);
    for (const key of [FOURTH, NEWER])
      for (const encoding of ['hex', 'base64'] as const) expect(said).not.toContain(key.toString(encoding));
    await owner.query(`DELETE FROM ${people} WHERE subject_id = ANY($1)`, [[lost, garbage]]);
  });

  it('reports a table with a wrapped_key column it cannot rotate', async () => {
    await owner.query(`CREATE TABLE ${schema}.odd (id int PRIMARY KEY, wrapped_key text)`);
    try {
      const report = await rotateWrappedKeys(owner, MasterKeyRing.of(FOURTH), { dryRun: true });
      expect(report.problems).toEqual([{ table: `${schema}.odd`, reason: expect.stringContaining('not a key table') }]);
    } finally {
      await owner.query(`DROP TABLE ${schema}.odd`);
    }
  });

  it('runs as `npm run keys:rotate`: reports, exits 1 on a problem and 0 once everything is under the current key', async () => {
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      MIGRATION_DATABASE_URL: db.url,
      MASTER_ENCRYPTION_KEY: FIFTH.toString('base64'),
      MASTER_ENCRYPTION_KEY_PREVIOUS: '',
    };
    const npm = (args: string[], extra: Record<string, string>) =>
      run('npm', ['run', '--silent', 'keys:rotate', '--', ...args], { cwd: repositoryRoot(), env: { ...env, ...extra } }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );

    // The previous key forgotten: every key is reported, nothing is written.
    const snapshot = await rows(people);
    const missing = await npm(['--batch-size', '10'], {});
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(`PROBLEM ${people}`);
    expect(missing.out).toContain(`wrapped by master key ${MasterKeyRing.of(FOURTH).current.id}, which is not configured`);
    expect(missing.out).toContain('keep MASTER_ENCRYPTION_KEY_PREVIOUS');
    expect(await rows(people)).toEqual(snapshot);

    const ok = await npm(['--batch-size', '10'], { MASTER_ENCRYPTION_KEY_PREVIOUS: FOURTH.toString('base64') });
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(new RegExp(`${people}: ${snapshot.length} keys, ${snapshot.length} re-wrapped, 0 already current`));
    expect(ok.out).toContain('MASTER_ENCRYPTION_KEY_PREVIOUS can be removed');
    for (const key of [FOURTH, FIFTH]) expect(ok.out).not.toContain(key.toString('base64'));
    const again = await npm([], { MASTER_ENCRYPTION_KEY_PREVIOUS: FOURTH.toString('base64') });
    expect(again.out).toMatch(new RegExp(`${people}: ${snapshot.length} keys, 0 re-wrapped, ${snapshot.length} already current`));
    expect((await npm(['--bogus'], {})).code).toBe(2);
  });
});
