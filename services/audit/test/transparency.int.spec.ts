import { randomUUID } from 'node:crypto';
import { auditTransparencySubjects as s, AuditErrorCode } from '@llmlab/contracts';
import { PostgresEventStore } from '@llmlab/event-store';
import { leafHash, rootFromLeafHashes, verifyConsistency, verifyInclusion, verifyTreeHead } from '@llmlab/transparency';
import { PG_POOL } from '@llmlab/service-kit';
import { Pool } from 'pg';
import { MerkleTreeRepository } from '../src/tree/merkle-tree.repository';
import { AuditHarness } from './audit.harness';

const orgA = randomUUID();
const orgB = randomUUID();
const hex = (h: string) => Buffer.from(h, 'hex');

describe('audit transparency log (Merkle tree, signed heads, proofs)', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start();
    await h.appendEvents(orgA, 7);
    await h.treeCaughtUp();
    await h.appendEvents(orgB, 6);
    await h.treeCaughtUp();
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('signs heads whose root is the RFC 9162 root of the store hashes, under a published key', async () => {
    const head = await h.request(s.latestHead, {});
    const hashes = await h.rows<{ hash: string }>('SELECT hash FROM event_store.events WHERE position <= $1 ORDER BY position', [
      head.treeSize,
    ]);
    expect(head.rootHash).toBe(rootFromLeafHashes(hashes.map((r) => leafHash(hex(r.hash)))).toString('hex'));
    const keys = await h.request(s.keys, {});
    expect(keys.keys).toHaveLength(1);
    expect(verifyTreeHead(head, keys)).toEqual({ ok: true });
    const listed = await h.request(s.heads, { from: 1 });
    expect(listed.data.length).toBeGreaterThanOrEqual(2);
    for (const listedHead of listed.data) expect(verifyTreeHead(listedHead, keys)).toEqual({ ok: true });
  });

  it('proves an organization event is in a signed head, and answers another organization 404', async () => {
    const [event] = await h.rows<{ event_id: string; hash: string; position: string }>(
      `SELECT event_id, hash, position FROM event_store.events WHERE metadata->>'organizationId' = $1 ORDER BY position DESC LIMIT 1`,
      [orgA],
    );
    const proof = await h.request(s.inclusion, { eventId: event.event_id }, { organizationId: orgA });
    expect(proof.position).toBe(Number(event.position));
    expect(
      verifyInclusion({
        leafIndex: proof.leafIndex,
        treeSize: proof.treeSize,
        leafHash: leafHash(hex(proof.eventHash)),
        auditPath: proof.auditPath.map(hex),
        rootHash: hex(proof.head.rootHash),
      }),
    ).toBe(true);
    const other = await h.reply(s.inclusion, { eventId: event.event_id }, { organizationId: orgB });
    expect(other).toMatchObject({ ok: false, error: { code: AuditErrorCode.EventNotFound } });
    const unsigned = await h.reply(s.inclusion, { eventId: event.event_id, treeSize: 999_999 }, { organizationId: orgA });
    expect(unsigned).toMatchObject({ ok: false, error: { code: AuditErrorCode.TreeHeadNotFound } });
  });

  it('proves every pair of signed heads consistent', async () => {
    const { data } = await h.request(s.heads, {});
    for (let i = 0; i + 1 < data.length; i++) {
      const answer = await h.request(s.consistency, { first: data[i].treeSize, second: data[i + 1].treeSize });
      expect(
        verifyConsistency({
          first: answer.first.treeSize,
          second: answer.second.treeSize,
          firstRoot: hex(answer.first.rootHash),
          secondRoot: hex(answer.second.rootHash),
          proof: answer.proof.map(hex),
        }),
      ).toBe(true);
    }
    const backwards = await h.reply(s.consistency, { first: data[1].treeSize, second: data[0].treeSize });
    expect(backwards).toMatchObject({ ok: false, error: { code: AuditErrorCode.Invalid } });
  });

  it("exports one organization's events with proofs against one head, and none of another's", async () => {
    const first = await h.request(s.exportPage, { limit: 4 }, { organizationId: orgA });
    expect(first.head).not.toBeNull();
    expect(first.events).toHaveLength(4);
    expect(first.nextAfter).not.toBeNull();
    const rest = await h.request(
      s.exportPage,
      { after: first.nextAfter as number, treeSize: first.head?.treeSize },
      { organizationId: orgA },
    );
    // The export recorded itself first (bounded security event), newer than the head: hashed, not yet proven.
    const [exported, ...older] = [...first.events, ...rest.events].reverse();
    expect(exported).toMatchObject({ event: { type: 'AuditLogExported' }, proof: null });
    const all = older.reverse();
    expect(all).toHaveLength(7);
    expect(rest.nextAfter).toBeNull();
    for (const { event, proof } of all) {
      expect((event.metadata as { organizationId: string }).organizationId).toBe(orgA);
      expect(event.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(
        verifyInclusion({
          leafIndex: proof!.leafIndex,
          treeSize: proof!.treeSize,
          leafHash: leafHash(hex(event.hash)),
          auditPath: proof!.auditPath.map(hex),
          rootHash: hex(first.head!.rootHash),
        }),
      ).toBe(true);
    }
  });

  it('reports the store verified and its readiness up', async () => {
    const view = await h.request(s.integrity, {});
    expect(view).toMatchObject({ status: 'verified', incident: null });
    expect((await h.runtime.health()).ready).toBe(true);
  });
});

/**
 * The attacker of immudb's GHSA-672p: a database superuser who disables the append-only trigger, changes an old
 * event and re-hashes it and every later one, so the hash chain verifies again.
 */
async function rewriteHistory(databaseUrl: string, position: number, alsoAuditTables = false): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await pool.query(`
      ALTER TABLE event_store.events DISABLE TRIGGER events_append_only;
      UPDATE event_store.events SET data = jsonb_set(data, '{i}', '999') WHERE position = ${position};
      DO $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT position FROM event_store.events WHERE position >= ${position} ORDER BY position LOOP
          UPDATE event_store.events e SET prev_hash = coalesce((SELECT hash FROM event_store.events WHERE position = r.position - 1), repeat('0', 64))
            WHERE e.position = r.position;
          UPDATE event_store.events e SET hash = event_store.event_hash(e) WHERE e.position = r.position;
        END LOOP;
      END $$;
      ALTER TABLE event_store.events ENABLE ALWAYS TRIGGER events_append_only;
      ${
        // The leaves and the anchor rebuilt too, in the same transaction, so the incremental check agrees.
        alsoAuditTables
          ? `UPDATE audit.merkle_nodes n SET hash = sha256('\\x00'::bytea || decode(e.hash, 'hex'))
               FROM event_store.events e WHERE n.level = 0 AND n.index = e.position - 1;
             UPDATE audit.merkle_state SET last_event_hash = (SELECT hash FROM event_store.events WHERE position = tree_size);`
          : ''
      }
    `);
  } finally {
    await pool.end();
  }
}

describe('audit verification against a hostile store', () => {
  let h: AuditHarness;

  afterEach(async () => {
    await h?.stop();
  });

  it('notices a consistent rewrite the chain alone cannot, names the position, and signs nothing after it', async () => {
    h = await AuditHarness.start({ AUDIT_FULL_VERIFICATION_INTERVAL_MS: '600000' });
    await h.appendEvents(orgA, 9);
    await h.treeCaughtUp();
    const headsBefore = await h.count('SELECT count(*) AS n FROM audit.tree_heads');

    await rewriteHistory(h.db.url, 4);
    const store = new PostgresEventStore(new Pool({ connectionString: h.db.url, max: 1 }), { ownsPool: true });
    const chain = await store.verify();
    await store.close();
    expect(chain.ok).toBe(true);

    await h.until(async () => (await h.request(s.integrity, {})).status === 'tampered', 'the tampering found');
    const view = await h.request(s.integrity, {});
    expect(view.incident).toMatchObject({ position: 4, reason: 'anchor_changed' });
    const health = await h.runtime.health();
    expect(health.ready).toBe(false);
    expect(health.dependencies.find((d) => d.name === 'audit-chain')?.error).toMatch(/position 4/);
    const [violation] = await h.events<{ position: number; organizationId: string }>('AuditIntegrityViolated');
    expect(violation.data).toMatchObject({ position: 4, organizationId: orgA });
    const metrics = await h.runtime.metrics.registry.getSingleMetricAsString('llmlab_audit_chain_intact');
    expect(metrics).toMatch(/llmlab_audit_chain_intact\{[^}]*\} 0/);

    await h.appendEvents(orgA, 8, 'After');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await h.count('SELECT count(*) AS n FROM audit.tree_heads')).toBe(headsBefore);
  });

  it("notices it from the signed roots when the attacker also rewrote the audit service's own tables", async () => {
    h = await AuditHarness.start({ AUDIT_FULL_VERIFICATION_INTERVAL_MS: '300' });
    await h.appendEvents(orgB, 9);
    await h.treeCaughtUp();
    await h.until(async () => (await h.request(s.integrity, {})).lastFullVerificationAt !== null, 'a full verification');

    await rewriteHistory(h.db.url, 3, true);

    await h.until(async () => (await h.request(s.integrity, {})).status === 'tampered', 'the tampering found');
    const view = await h.request(s.integrity, {});
    expect(view.incident).toMatchObject({ reason: 'signed_root_mismatch' });
    expect(view.incident?.position).toBeLessThanOrEqual(5);
  });

  it("notices an edited event even when the store's own hash function was made to lie about it", async () => {
    h = await AuditHarness.start({ AUDIT_FULL_VERIFICATION_INTERVAL_MS: '300' });
    await h.appendEvents(orgA, 6);
    await h.treeCaughtUp();
    await h.sql.query(`
      CREATE OR REPLACE FUNCTION event_store.event_hash(e event_store.events) RETURNS text LANGUAGE sql STABLE AS $$ SELECT e.hash $$;
      ALTER TABLE event_store.events DISABLE TRIGGER events_append_only;
      UPDATE event_store.events SET data = jsonb_set(data, '{amount}', '"999.000000"') WHERE position = 2;
      ALTER TABLE event_store.events ENABLE ALWAYS TRIGGER events_append_only;
    `);
    const store = new PostgresEventStore(new Pool({ connectionString: h.db.url, max: 1 }), { ownsPool: true });
    const chain = await store.verify();
    await store.close();
    expect(chain.ok).toBe(true);

    await h.until(async () => (await h.request(s.integrity, {})).status === 'tampered', 'the tampering found');
    expect((await h.request(s.integrity, {})).incident).toMatchObject({
      position: 2,
      reason: 'chain_broken',
      detail: expect.stringMatching(/content/),
    });
  });
});

describe('audit tree reads bounded in bytes', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    // About three of the harness's events per read (each some 500 bytes stored): the tree and the full verification
    // both go through many reads cut by size, not by count.
    h = await AuditHarness.start({ AUDIT_TREE_BATCH_BYTES: '1500' });
    await h.appendEvents(orgA, 25, 'Sized');
    await h.treeCaughtUp();
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('reads at least one event and stops near the byte bound, saying more is waiting', async () => {
    const tree = h.get(MerkleTreeRepository);
    const pool = h.get<Pool>(PG_POOL);
    const sizes = await h.rows<{ size: number }>(
      'SELECT pg_column_size(data) + pg_column_size(metadata) AS size FROM event_store.events ORDER BY position LIMIT 3',
    );
    const first = await tree.readEvents(pool, 0, { maxEvents: 100, maxBytes: 1 });
    expect(first.rows.map((r) => r.position)).toEqual([1]);
    expect(first.more).toBe(true);
    const two = await tree.readEvents(pool, 0, { maxEvents: 100, maxBytes: sizes[0].size + sizes[1].size });
    expect(two.rows.map((r) => r.position)).toEqual([1, 2]);
    const all = await tree.readEvents(pool, 0, { maxEvents: 1_000, maxBytes: 1 << 30 });
    expect(all.rows).toHaveLength(await h.storeHead());
    expect(all.more).toBe(false);
    const counted = await tree.readEvents(pool, 0, { maxEvents: 4, maxBytes: 1 << 30 });
    expect([counted.rows.length, counted.more]).toEqual([4, true]);
    for (const row of all.rows) expect(row.computedHash).toBe(row.hash);
  });

  it('builds the same tree and verifies the whole history through reads cut by size', async () => {
    const head = await h.request(s.latestHead, {});
    const hashes = await h.rows<{ hash: string }>('SELECT hash FROM event_store.events WHERE position <= $1 ORDER BY position', [
      head.treeSize,
    ]);
    expect(head.treeSize).toBe(await h.storeHead());
    expect(head.rootHash).toBe(rootFromLeafHashes(hashes.map((r) => leafHash(hex(r.hash)))).toString('hex'));
    await h.until(async () => (await h.request(s.integrity, {})).lastFullVerificationAt !== null, 'a full verification');
    expect((await h.request(s.integrity, {})).status).toBe('verified');
  });
});
