import { randomBytes, randomUUID } from 'node:crypto';
import type { SealedChannelConfig } from '@llmlab/contracts';
import { MasterKey, MasterKeyRing, rotateWrappedKeys, seal, SubjectKeyStore } from '@llmlab/crypto';
import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { Pool } from 'pg';
import { ChannelConfigCipher } from './channel-config.cipher';

describe('channel configuration encryption (PostgreSQL, as llmlab_app)', () => {
  let db: TestDatabase;
  let owner: Pool;
  let pool: Pool;
  const config = { url: 'https://hooks.slack.com/services/T1/B1/secret-part', secret: 'whsec_abc' };
  const cipherWith = (ring: MasterKeyRing) => new ChannelConfigCipher(new SubjectKeyStore(pool, ring, 'alerts.channel_keys'), ring, pool);
  const ring = MasterKeyRing.of(randomBytes(32));

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Pool({ connectionString: db.url, max: 2 });
    pool = new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await owner?.end();
    await db?.drop();
  });

  it('round-trips without the secret or a key in the sealed form, with a fresh key per channel and a fresh IV each time', async () => {
    const cipher = cipherWith(ring);
    const [one, two] = [randomUUID(), randomUUID()];
    const a = await cipher.seal(one, config);
    const b = await cipher.seal(one, config);
    expect(JSON.stringify(a)).not.toContain('secret-part');
    expect(Object.keys(a).sort()).toEqual(['algorithm', 'ciphertext']);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(await cipher.open(one, a)).toEqual({ ok: true, config });
    await cipher.seal(two, config);
    const { rows } = await owner.query(`SELECT subject_id, wrapped_key FROM alerts.channel_keys WHERE subject_id = ANY($1)`, [[one, two]]);
    expect(rows).toHaveLength(2);
    const keys = await new SubjectKeyStore(pool, ring, 'alerts.channel_keys').getMany([one, two]);
    expect(keys.get(one)).not.toEqual(keys.get(two));
  });

  it('refuses another channel, another master key, or a changed byte, as a configuration that cannot be opened', async () => {
    const id = randomUUID();
    const sealed = await cipherWith(ring).seal(id, config);
    expect(await cipherWith(ring).open(randomUUID(), sealed)).toEqual({ ok: false });
    expect(await cipherWith(MasterKeyRing.of(randomBytes(32))).open(id, sealed)).toEqual({ ok: false });
    const raw = Buffer.from(sealed.ciphertext, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(await cipherWith(ring).open(id, { ...sealed, ciphertext: raw.toString('base64url') })).toEqual({ ok: false });
  });

  it('still opens channels sealed before the key table, moves their key into it at start, and then survives a rotation', async () => {
    const OLD = randomBytes(32);
    const NEW = randomBytes(32);
    // As the service sealed a channel before: its data key wrapped by the master key inside the sealed form.
    const legacySeal = (channelId: string): SealedChannelConfig => {
      const dataKey = randomBytes(32);
      const label = `alerts:channel-config:${channelId}`;
      return {
        algorithm: 'aes-256-gcm',
        wrappedKey: seal(OLD, dataKey, `wrap:${label}`).toString('base64url'),
        ciphertext: seal(dataKey, JSON.stringify(config), label).toString('base64url'),
      };
    };
    const [adoptedAtStart, adoptedOnUse, lost] = [randomUUID(), randomUUID(), randomUUID()];
    const sealed = { [adoptedAtStart]: legacySeal(adoptedAtStart), [adoptedOnUse]: legacySeal(adoptedOnUse) };
    const stranger: SealedChannelConfig = {
      ...legacySeal(lost),
      wrappedKey: seal(randomBytes(32), randomBytes(32), 'x').toString('base64url'),
    };
    const org = randomUUID();
    for (const [id, s] of [
      [adoptedAtStart, sealed[adoptedAtStart]],
      [lost, stranger],
    ] as const)
      await owner.query(
        `INSERT INTO alerts.channels (id, organization_id, type, name, description, config, created_at) VALUES ($1, $2, 'slack', 'c', 'd', $3, now())`,
        [id, org, s],
      );

    // The first start with the new key, the old one as previous (the runbook's first step).
    const during = MasterKeyRing.of(NEW, OLD);
    expect(await cipherWith(during).adoptLegacyKeys()).toEqual([lost]);
    expect(await cipherWith(during).adoptLegacyKeys()).toEqual([lost]);
    expect(await cipherWith(during).open(adoptedOnUse, sealed[adoptedOnUse])).toEqual({ ok: true, config });

    // (The keys of the tests above are under a master key this rotation does not know: it would report them.)
    await owner.query(`DELETE FROM alerts.channel_keys WHERE subject_id <> ALL($1)`, [[adoptedAtStart, adoptedOnUse]]);
    const report = await rotateWrappedKeys(owner, during);
    expect(report.problems).toEqual([]);
    expect(report.tables.find((t) => t.table === 'alerts.channel_keys')).toMatchObject({ rewrapped: 0 });

    // The previous key removed: the immutable events still carry the old wrapped key, the key table is enough.
    const after = cipherWith(MasterKeyRing.of(NEW));
    expect(await after.open(adoptedAtStart, sealed[adoptedAtStart])).toEqual({ ok: true, config });
    expect(await after.open(adoptedOnUse, sealed[adoptedOnUse])).toEqual({ ok: true, config });
    expect(await after.open(lost, stranger)).toEqual({ ok: false });
    const { rows } = await owner.query(`SELECT wrapped_key FROM alerts.channel_keys WHERE subject_id = ANY($1)`, [
      [adoptedAtStart, adoptedOnUse],
    ]);
    for (const row of rows) expect(MasterKeyRing.of(NEW).isCurrent(row.wrapped_key)).toBe(true);
    expect(new MasterKey(OLD).id).not.toBe(new MasterKey(NEW).id);
  });
});
