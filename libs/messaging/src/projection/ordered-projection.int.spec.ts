import { createTestDatabase, eventually, testEnv, tolerateTeardown, uniqueSuffix, type TestDatabase } from '@llmlab/testing';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { DeadLetterHeaders, type ConsumerHandle } from '../consumer/run-consumer';
import { ensureStreams, type StreamTopology } from '../jetstream/streams';
import { runOrderedProjection, type OrderedProjectionOptions } from './ordered-projection';

interface TestEvent {
  position: number;
  poison?: boolean;
  unavailableTimes?: number;
  /** Applying it overflows a numeric column in PostgreSQL: a data exception. */
  overflow?: boolean;
}

describe('runOrderedProjection', () => {
  const prefix = `op${uniqueSuffix()}`;
  let db: TestDatabase;
  let pool: Pool;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let topology: StreamTopology;
  const handles: ConsumerHandle[] = [];
  let n = 0;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    pool = tolerateTeardown(new Pool({ connectionString: db.url, max: 8 }));
    await pool.query(`
      CREATE SCHEMA op_test;
      CREATE TABLE op_test.projection_checkpoints (projection text PRIMARY KEY, position bigint NOT NULL, stream_sequence bigint);
      CREATE TABLE op_test.applied (projection text, position bigint, instance text, tx bigint, PRIMARY KEY (projection, position));
    `);
    nc = await connect({ servers: testEnv.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    topology = await ensureStreams(jsm, { prefix });
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    for (const ref of [topology.events, topology.ingest, topology.deadLetter]) await jsm.streams.delete(ref.name);
    await nc.close();
    await pool.end();
    await db.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  /** Each test has its own projection (checkpoint row), subject and dead-letter subject in the file's streams. */
  function projectionCase() {
    n += 1;
    const name = `case${n}`;
    const subject = topology.subject(`events.case${n}`);
    const unavailable = new Map<number, number>();
    const tried = new Map<number, number>();
    const start = async (instance: string, overrides: Partial<OrderedProjectionOptions<TestEvent>> = {}) => {
      const handle = await runOrderedProjection<TestEvent>({
        js,
        pool,
        ref: { schema: 'op_test', projection: name },
        stream: topology.events.name,
        filterSubject: `${subject}.>`,
        maxBatch: 10,
        backoffMs: [10, 20],
        maxAttempts: 2,
        lockRetryMs: 100,
        deadLetterSubject: topology.subject(`dlq.${name}`),
        apply: async (tx, events) => {
          for (const event of events) {
            tried.set(event.position, (tried.get(event.position) ?? 0) + 1);
            if (event.poison) throw new Error(`event ${event.position} cannot be applied`);
            if (event.overflow) await tx.query('SELECT 1e20::numeric(5, 0)');
            const failures = unavailable.get(event.position) ?? 0;
            if (failures < (event.unavailableTimes ?? 0)) {
              unavailable.set(event.position, failures + 1);
              throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
            }
            await tx.query(`INSERT INTO op_test.applied VALUES ($1, $2, $3, txid_current())`, [name, event.position, instance]);
          }
        },
        ...overrides,
      });
      handles.push(handle);
      return handle;
    };
    const publish = async (events: TestEvent[]) => {
      for (const event of events) await js.publish(`${subject}.Happened`, JSON.stringify(event));
    };
    const applied = async () =>
      (
        await pool.query<{ position: string; instance: string; tx: string }>(
          `SELECT position, instance, tx FROM op_test.applied WHERE projection = $1 ORDER BY position`,
          [name],
        )
      ).rows.map((r) => ({ position: Number(r.position), instance: r.instance, tx: r.tx }));
    const checkpoint = async () => {
      const { rows } = await pool.query<{ position: string; stream_sequence: string }>(
        `SELECT position, stream_sequence FROM op_test.projection_checkpoints WHERE projection = $1`,
        [name],
      );
      return rows[0] ? { position: Number(rows[0].position), streamSequence: Number(rows[0].stream_sequence) } : undefined;
    };
    return { name, subject, start, publish, applied, checkpoint, tried };
  }

  const positions = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ position: from + 2 * i }));

  it('applies every event once and in order, several per transaction, and resumes from its checkpoint after a restart', async () => {
    const c = projectionCase();
    // Another context's events on the same stream are not this projection's.
    await js.publish(topology.subject('events.other.Happened'), JSON.stringify({ position: 1 }));
    await c.publish(positions(2, 100));
    const first = await c.start('a');
    await eventually(async () => (await c.checkpoint())?.position === 200, 'checkpoint at 200');
    await first.stop();
    let rows = await c.applied();
    expect(rows.map((r) => r.position)).toEqual(positions(2, 100).map((e) => e.position));
    // Batches of at most 10: at least 10 transactions, far fewer than 100.
    const transactions = new Set(rows.map((r) => r.tx)).size;
    expect(transactions).toBeGreaterThanOrEqual(10);
    expect(transactions).toBeLessThan(100);

    await c.publish(positions(202, 50));
    await c.start('b');
    await eventually(async () => (await c.checkpoint())?.position === 300, 'checkpoint at 300');
    rows = await c.applied();
    expect(rows).toHaveLength(150);
    expect(rows.slice(100).every((r) => r.instance === 'b')).toBe(true);
    const last = await jsm.streams.getMessage(topology.events.name, { last_by_subj: `${c.subject}.Happened` });
    expect((await c.checkpoint())?.streamSequence).toBe(last!.seq);
  });

  it('skips events at or before a checkpoint written without a stream sequence (read from the stream start)', async () => {
    const c = projectionCase();
    await c.publish(positions(2, 10));
    await pool.query(`INSERT INTO op_test.projection_checkpoints (projection, position) VALUES ($1, 10)`, [c.name]);
    await c.start('a');
    await eventually(async () => (await c.checkpoint())?.position === 20, 'checkpoint at 20');
    expect((await c.applied()).map((r) => r.position)).toEqual([12, 14, 16, 18, 20]);
  });

  it('dead-letters an event that fails alone, with headers saying where it came from, and applies the others in order', async () => {
    const c = projectionCase();
    await c.publish([{ position: 1 }, { position: 2 }, { position: 3, poison: true }, { position: 4 }, { position: 5 }]);
    await c.start('a');
    await eventually(async () => (await c.checkpoint())?.position === 5, 'checkpoint at 5');
    expect((await c.applied()).map((r) => r.position)).toEqual([1, 2, 4, 5]);
    const dlq = await jsm.streams.getMessage(topology.deadLetter.name, { last_by_subj: topology.subject(`dlq.${c.name}`) });
    expect(dlq).not.toBeNull();
    expect(JSON.parse(new TextDecoder().decode(dlq!.data))).toEqual({ position: 3, poison: true });
    expect(dlq!.header.get(DeadLetterHeaders.Stream)).toBe(topology.events.name);
    expect(dlq!.header.get(DeadLetterHeaders.Subject)).toBe(`${c.subject}.Happened`);
    expect(dlq!.header.get(DeadLetterHeaders.Error)).toContain('event 3 cannot be applied');
    const poisonSeq = Number(dlq!.header.get(DeadLetterHeaders.StreamSequence));
    expect((await jsm.streams.getMessage(topology.events.name, { seq: poisonSeq }))!.json<TestEvent>()).toEqual({
      position: 3,
      poison: true,
    });
  });

  it('dead-letters an event that fails on its data at the first failure alone, without retrying it', async () => {
    const c = projectionCase();
    await c.publish([{ position: 1 }, { position: 2, overflow: true }, { position: 3 }]);
    await c.start('a', { maxAttempts: 5 });
    await eventually(async () => (await c.checkpoint())?.position === 3, 'checkpoint at 3');
    expect((await c.applied()).map((r) => r.position)).toEqual([1, 3]);
    // Once in its run, once alone: a numeric overflow fails the same way every time, so it is not retried.
    expect(c.tried.get(2)).toBe(2);
    const dlq = await jsm.streams.getMessage(topology.deadLetter.name, { last_by_subj: topology.subject(`dlq.${c.name}`) });
    expect(dlq!.header.get(DeadLetterHeaders.Error)).toContain('numeric field overflow');
  });

  it('waits out an unreachable database without counting it as a failure', async () => {
    const c = projectionCase();
    await c.publish([{ position: 1 }, { position: 2, unavailableTimes: 5 }, { position: 3 }]);
    await c.start('a');
    await eventually(async () => (await c.checkpoint())?.position === 3, 'checkpoint at 3');
    expect((await c.applied()).map((r) => r.position)).toEqual([1, 2, 3]);
    expect(await jsm.streams.getMessage(topology.deadLetter.name, { last_by_subj: topology.subject(`dlq.${c.name}`) })).toBeNull();
  });

  it('runs on one instance at a time: a standby applies nothing until the active one stops, then takes over', async () => {
    const c = projectionCase();
    const a = await c.start('a');
    await new Promise((r) => setTimeout(r, 300));
    await c.start('b');
    await c.publish(positions(2, 30));
    await eventually(async () => (await c.checkpoint())?.position === 60, 'checkpoint at 60');
    expect(new Set((await c.applied()).map((r) => r.instance))).toEqual(new Set(['a']));
    await a.stop();
    await c.publish(positions(62, 30));
    await eventually(async () => (await c.checkpoint())?.position === 120, 'checkpoint at 120');
    const rows = await c.applied();
    expect(rows.map((r) => r.position)).toEqual([...positions(2, 30), ...positions(62, 30)].map((e) => e.position));
    expect(rows.slice(30).every((r) => r.instance === 'b')).toBe(true);
  });
});
