import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { Client, type Notification, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { IdempotencyConflictError } from '../errors';
import { collect, describeEventStoreContract, newEvent, sleep, uniquePrefix } from '../event-store.contract';
import { PostgresEventStore } from './postgres-event-store';
import { EVENT_STORE_NOTIFY_CHANNEL, GENESIS_HASH } from './postgres-rows';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const APP_ROLE = '-c role=llmlab_app';

/** Connections as the application role: everything below passes with only the grants services get. */
function appPool(): Pool {
  return new Pool({ connectionString: db.url, options: APP_ROLE, max: 10 });
}

async function connect(options?: string): Promise<Client> {
  const client = new Client({ connectionString: db.url, options });
  await client.connect();
  return client;
}

/** The SQLSTATE and message a statement fails with. */
async function failureOf(client: Client, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await client.query(sql);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { code, message };
  }
  throw new Error(`expected to fail: ${sql}`);
}

const rawInsert = `
  INSERT INTO event_store.events (stream_id, revision, event_id, type, data, metadata)
  VALUES ($1, $2, $3, $4, '{}', '{"actor":{"type":"system","id":"raw"},"correlationId":"c"}')
  RETURNING position`;

describeEventStoreContract('PostgreSQL', async () => {
  const pool = appPool();
  const store = new PostgresEventStore(pool);
  return {
    store,
    dispose: async () => {
      await store.close();
      await pool.end();
    },
  };
});

describe('PostgresEventStore', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let admin: Client;

  beforeAll(async () => {
    pool = appPool();
    store = new PostgresEventStore(pool, { pollIntervalMs: 200 });
    admin = await connect();
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
    await admin.end();
  });

  async function head(): Promise<number> {
    const { rows } = await admin.query('SELECT coalesce(max(position), 0) AS position FROM event_store.events');
    return Number(rows[0].position);
  }

  it('runs as llmlab_app, which holds SELECT and INSERT on the log and nothing else', async () => {
    expect((await pool.query('SELECT current_user AS role')).rows[0].role).toBe('llmlab_app');
    const { rows } = await admin.query(
      `SELECT privilege_type FROM information_schema.role_table_grants
       WHERE grantee = 'llmlab_app' AND table_schema = 'event_store' AND table_name = 'events'
       ORDER BY privilege_type`,
    );
    expect(rows.map((r) => r.privilege_type)).toEqual(['INSERT', 'SELECT']);
  });

  describe('idempotency', () => {
    it('refuses ids already recorded in another stream', async () => {
      const batch = [newEvent('A', {}, uuidv7())];
      await store.appendToStream(uniquePrefix('home'), batch, { expectedRevision: 'no_stream' });
      const elsewhere = uniquePrefix('elsewhere');
      await expect(store.appendToStream(elsewhere, batch, { expectedRevision: 'any' })).rejects.toBeInstanceOf(IdempotencyConflictError);
      expect(await store.readStream(elsewhere)).toEqual([]);
    });

    it('identical appends racing each other: one writes, the others are acknowledged', async () => {
      const stream = uniquePrefix('twins');
      const batch = [newEvent('A', {}, uuidv7()), newEvent('B', {}, uuidv7())];
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.appendToStream(stream, batch, { expectedRevision: 'no_stream' })),
      );
      expect(results.filter((r) => r.written)).toHaveLength(1);
      expect(new Set(results.map((r) => `${r.nextExpectedRevision}/${r.lastPosition}`)).size).toBe(1);
      expect(await store.readStream(stream)).toHaveLength(2);
    });
  });

  describe('gap-safe global order', () => {
    it('never lets a reader pass a lower position still held by an open transaction', async () => {
      const prefix = uniquePrefix('gap');
      const from = await head();
      const subscription = store.subscribeToAll({ fromPosition: from, filter: { streamPrefixes: [prefix] } });
      const collector = collect(subscription);
      await sleep(100);

      // A: a raw insert; the trigger takes the append lock and assigns the lower position, and A stays open.
      const a = await connect(APP_ROLE);
      try {
        await a.query('BEGIN');
        const held = await a.query(rawInsert, [`${prefix}.a`, 0, uuidv7(), 'HeldOpen']);
        const aPosition = Number(held.rows[0].position);
        expect(aPosition).toBe(from + 1);

        // B: a normal append, attempted while A is open.
        let bDone = false;
        const b = store.appendToStream(`${prefix}.b`, [newEvent('AppendedMeanwhile')], { expectedRevision: 'no_stream' }).finally(() => {
          bDone = true;
        });
        await sleep(300);

        expect(bDone).toBe(false);
        const waiting = await admin.query(
          `SELECT count(*)::int AS n FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        expect(waiting.rows[0].n).toBe(1);
        expect(await store.readAll({ fromPosition: from })).toEqual([]);
        expect(collector.received).toEqual([]);

        await a.query('COMMIT');
        const bResult = await b;
        expect(bResult.lastPosition).toBe(aPosition + 1);

        const events = await collector.waitFor(2);
        expect(events.map((e) => [e.type, e.position])).toEqual([
          ['HeldOpen', aPosition],
          ['AppendedMeanwhile', aPosition + 1],
        ]);
      } finally {
        await a.end();
        await subscription.stop();
      }
    });

    it('a rolled-back append leaves no gap: the next one takes its position', async () => {
      const from = await head();
      const a = await connect(APP_ROLE);
      try {
        await a.query('BEGIN');
        await a.query(rawInsert, [uniquePrefix('rolled-back'), 0, uuidv7(), 'NeverHappened']);
        await a.query('ROLLBACK');
      } finally {
        await a.end();
      }
      const result = await store.appendToStream(uniquePrefix('after'), [newEvent()], { expectedRevision: 'no_stream' });
      expect(result.lastPosition).toBe(from + 1);
    });
  });

  describe('the database guards the log', () => {
    it('assigns position, chain and time itself, whatever a writer sends', async () => {
      const from = await head();
      const writer = await connect(APP_ROLE);
      try {
        await writer.query(
          `INSERT INTO event_store.events
             (position, stream_id, revision, event_id, type, data, metadata, recorded_at, prev_hash, hash)
           VALUES (999999, $1, 0, $2, 'Forged', '{}', '{}', '2000-01-01', 'forged', 'forged')`,
          [uniquePrefix('forged'), uuidv7()],
        );
      } finally {
        await writer.end();
      }
      const [row] = await store.readAll({ fromPosition: from });
      expect(row.position).toBe(from + 1);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.parse(row.recordedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.verify()).toMatchObject({ ok: true, lastPosition: from + 1 });
    });

    it('refuses a revision that does not follow the last one of its stream', async () => {
      const failure = await failureOf(
        admin,
        `INSERT INTO event_store.events (stream_id, revision, event_id, type, data, metadata)
         VALUES ('${uniquePrefix('skip')}', 3, '${uuidv7()}', 'Skipped', '{}', '{}')`,
      );
      expect(failure.message).toMatch(/revision 3 does not follow/);
    });

    it('llmlab_app lacks the grants to UPDATE, DELETE or TRUNCATE', async () => {
      await store.appendToStream(uniquePrefix('kept'), [newEvent()], { expectedRevision: 'no_stream' });
      const app = await connect(APP_ROLE);
      try {
        for (const sql of [`UPDATE event_store.events SET data = '{}'`, 'DELETE FROM event_store.events', 'TRUNCATE event_store.events']) {
          expect(await failureOf(app, sql)).toMatchObject({
            code: '42501',
            message: 'permission denied for table events',
          });
        }
      } finally {
        await app.end();
      }
    });

    it('triggers reject UPDATE, DELETE and TRUNCATE with the grants, for the owner, in replica mode', async () => {
      const before = await head();
      const appendOnly = /^event_store\.events is append-only: (UPDATE|DELETE|TRUNCATE) is not allowed$/;
      const statements = [
        `UPDATE event_store.events SET data = '{}'`,
        `UPDATE event_store.events SET data = '{}' WHERE false`,
        'DELETE FROM event_store.events',
        'TRUNCATE event_store.events',
      ];
      const setups = {
        'llmlab_app granted everything': [
          'GRANT UPDATE, DELETE, TRUNCATE ON event_store.events TO llmlab_app',
          'SET LOCAL ROLE llmlab_app',
        ],
        'the owner (superuser)': [],
        'replica mode': ['SET LOCAL session_replication_role = replica'],
      };
      for (const [who, setup] of Object.entries(setups)) {
        for (const sql of statements) {
          await admin.query('BEGIN');
          for (const s of setup) await admin.query(s);
          const failure = await failureOf(admin, sql);
          await admin.query('ROLLBACK');
          expect({ who, sql, message: failure.message }).toEqual({
            who,
            sql,
            message: expect.stringMatching(appendOnly),
          });
        }
      }
      expect(await head()).toBe(before);
      expect((await store.verify()).ok).toBe(true);
    });

    it(`notifies ${EVENT_STORE_NOTIFY_CHANNEL} with the last position, on commit`, async () => {
      const listener = await connect();
      try {
        const notifications: Notification[] = [];
        listener.on('notification', (n) => notifications.push(n));
        await listener.query(`LISTEN ${EVENT_STORE_NOTIFY_CHANNEL}`);
        const result = await store.appendToStream(uniquePrefix('notify'), [newEvent(), newEvent()], {
          expectedRevision: 'no_stream',
        });
        for (let i = 0; i < 100 && notifications.length === 0; i++) await sleep(10);
        expect(notifications.map((n) => [n.channel, n.payload])).toEqual([[EVENT_STORE_NOTIFY_CHANNEL, String(result.lastPosition)]]);
      } finally {
        await listener.end();
      }
    });
  });

  describe('subscriptions', () => {
    it('reads large events a few at a time, every one of them, in order', async () => {
      const paged = new PostgresEventStore(pool, { subscriptionPageBytes: 3_000, pollIntervalMs: 100 });
      const stream = uniquePrefix('large');
      const from = await head();
      // Random hex does not compress: each event stores about 2,000 bytes, so a page holds two at most.
      const big = () => ({ ...newEvent('Large'), data: { blob: randomBytes(1_000).toString('hex') } });
      await store.appendToStream(stream, Array.from({ length: 7 }, big), { expectedRevision: 'no_stream' });
      const collector = collect(paged.subscribeToAll({ fromPosition: from, filter: { streamPrefixes: [stream] } }));
      try {
        const events = await collector.waitFor(7);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      } finally {
        await paged.close();
      }
      await collector.ended;
    });

    it('a rarely matching filter keeps moving through pages of events it skips', async () => {
      const narrow = new PostgresEventStore(pool, { subscriptionBatchSize: 2, pollIntervalMs: 100 });
      const wanted = uniquePrefix('wanted');
      const noise = uniquePrefix('noise');
      const from = await head();
      const appendNoise = (n: number) =>
        store.appendToStream(
          noise,
          Array.from({ length: n }, () => newEvent('Noise')),
          { expectedRevision: 'any' },
        );
      await store.appendToStream(wanted, [newEvent('W0')], { expectedRevision: 'any' });
      await appendNoise(9);
      await store.appendToStream(wanted, [newEvent('W1')], { expectedRevision: 'any' });
      await appendNoise(9);

      const subscription = narrow.subscribeToAll({ fromPosition: from, filter: { streamPrefixes: [wanted] } });
      const collector = collect(subscription);
      try {
        await collector.waitFor(2);
        await appendNoise(7);
        await store.appendToStream(wanted, [newEvent('W2')], { expectedRevision: 'any' });
        expect((await collector.waitFor(3)).map((e) => e.type)).toEqual(['W0', 'W1', 'W2']);
      } finally {
        await narrow.close();
      }
      await collector.ended;
    });

    it('close() stops every open subscription and releases its connection', async () => {
      const own = new Pool({ connectionString: db.url, options: APP_ROLE, max: 3 });
      const closing = new PostgresEventStore(own);
      const collectors = [1, 2].map(() => collect(closing.subscribeToAll({ fromPosition: 0 })));
      await sleep(100);
      await closing.close();
      await Promise.all(collectors.map((c) => c.ended));
      expect(own.totalCount).toBe(0);
      await own.end();
    });
  });

  describe('verify', () => {
    it('the chain of a normal run verifies, in any batch size and from any trusted position', async () => {
      await store.appendToStream(uniquePrefix('chain'), [newEvent(), newEvent(), newEvent()], {
        expectedRevision: 'no_stream',
      });
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n, max(position)::int AS last,
                (SELECT hash FROM event_store.events ORDER BY position DESC LIMIT 1) AS hash
         FROM event_store.events`,
      );
      const { n, last, hash } = rows[0];
      const expected = { ok: true, checked: n, lastPosition: last, lastHash: hash };
      expect(await store.verify()).toEqual(expected);
      expect(await store.verify({ batchSize: 7 })).toEqual(expected);
      expect(await store.verify({ fromPosition: 5, batchSize: 3 })).toEqual({ ...expected, checked: n - 5 });
      const first = await admin.query('SELECT prev_hash FROM event_store.events WHERE position = 1');
      expect(first.rows[0].prev_hash).toBe(GENESIS_HASH);
    });
  });
});

describe('PostgresEventStore.verify on a log changed behind the triggers’ back', () => {
  let tampered: TestDatabase;
  let admin: Client;
  let store: PostgresEventStore;

  beforeAll(async () => {
    tampered = await createTestDatabase();
    admin = new Client({ connectionString: tampered.url });
    await admin.connect();
    store = new PostgresEventStore(new Pool({ connectionString: tampered.url, options: APP_ROLE }), { ownsPool: true });
    for (let i = 0; i < 4; i++) {
      await store.appendToStream(`audit.thing-${i}`, [newEvent('A', { i }), newEvent('B', { i })], {
        expectedRevision: 'no_stream',
      });
    }
    expect(await store.verify()).toMatchObject({ ok: true, checked: 8 });
  });
  afterAll(async () => {
    await store.close();
    await admin.end();
    await tampered.drop();
  });

  /** What a superuser can still do: switch the guard off for one statement. */
  async function behindTheTriggersBack(sql: string): Promise<void> {
    await admin.query('BEGIN');
    await admin.query('ALTER TABLE event_store.events DISABLE TRIGGER events_append_only');
    await admin.query(sql);
    await admin.query('ALTER TABLE event_store.events ENABLE ALWAYS TRIGGER events_append_only');
    await admin.query('COMMIT');
  }

  it('reports a row whose data was changed, at its position', async () => {
    await behindTheTriggersBack(`UPDATE event_store.events SET data = '{"i": 99}' WHERE position = 3`);
    expect(await store.verify({ batchSize: 2 })).toEqual({
      ok: false,
      firstBadPosition: 3,
      reason: 'hash_mismatch',
      checked: 2,
    });
  });

  it('reports the next row when the changed row got a recomputed hash', async () => {
    await behindTheTriggersBack(`UPDATE event_store.events e SET hash = event_store.event_hash(e) WHERE position = 3`);
    expect(await store.verify()).toEqual({ ok: false, firstBadPosition: 4, reason: 'prev_hash_mismatch', checked: 3 });
  });

  it('reports a deleted row as a gap', async () => {
    await behindTheTriggersBack('DELETE FROM event_store.events WHERE position = 6');
    expect(await store.verify({ fromPosition: 4 })).toEqual({
      ok: false,
      firstBadPosition: 6,
      reason: 'position_gap',
      checked: 1,
    });
    expect(await store.verify({ fromPosition: 6 })).toEqual({
      ok: false,
      firstBadPosition: 6,
      reason: 'position_gap',
      checked: 0,
    });
  });
});
