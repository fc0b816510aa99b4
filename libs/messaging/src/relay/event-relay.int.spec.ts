import type { NewEvent, RecordedEvent } from '@llmlab/contracts';
import { createEventStore, type EventStore } from '@llmlab/event-store';
import { createTestDatabase, nodeEntry, testEnv, uniqueSuffix, type TestDatabase } from '@llmlab/testing';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { ensureStreams, type StreamTopology } from '../jetstream/streams';
import { EventRelay } from './event-relay';

jest.setTimeout(120_000);

// Not @llmlab/persistence's repositoryRoot(): that module loads node-pg-migrate, which Jest cannot require.
const repositoryRoot = resolve(__dirname, '../../../..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Services connect as the application role: the relay must work with only its grants. */
function asAppRole(url: string): string {
  const u = new URL(url);
  u.searchParams.set('options', '-c role=llmlab_app');
  return u.toString();
}

function thingHappened(n: number): NewEvent {
  return {
    type: 'ThingHappened',
    data: { n },
    metadata: { actor: { type: 'system', id: 'relay-test' }, correlationId: `c-${n}` },
  };
}

interface Published {
  seq: number;
  msgId: string | undefined;
  subject: string;
  event: RecordedEvent;
}

/** One database, one stream prefix, one store: what each test relays. */
class Fixture {
  db!: TestDatabase;
  store!: EventStore;
  topology!: StreamTopology;
  readonly children: { proc: ChildProcess; output: string[] }[] = [];
  private appended = 0;

  constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  async setUp(options: { duplicateWindowMs?: number } = {}) {
    this.db = await createTestDatabase();
    this.store = createEventStore({ databaseUrl: this.db.url });
    this.topology = await ensureStreams(this.jsm, { prefix: `r${uniqueSuffix()}`, ...options });
  }

  async tearDown() {
    for (const { proc } of this.children) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await this.store?.close();
    for (const ref of [this.topology.events, this.topology.ingest, this.topology.deadLetter]) {
      await this.jsm.streams.delete(ref.name).catch(() => undefined);
    }
    await this.db?.drop();
  }

  /** Appends `count` events over a few streams, a handful per append, as fast as the store takes them. */
  async append(count: number): Promise<void> {
    let left = count;
    while (left > 0) {
      const batch = Math.min(left, 1 + (this.appended % 5));
      const events = Array.from({ length: batch }, (_, i) => thingHappened(this.appended + i));
      await this.store.appendToStream(`relaytest.thing-${this.appended % 17}`, events, { expectedRevision: 'any' });
      this.appended += batch;
      left -= batch;
    }
  }

  spawnRelay(): ChildProcess {
    const proc = spawn(process.execPath, nodeEntry(resolve(repositoryRoot, 'libs/messaging/src/relay/relay.main.ts')), {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        DATABASE_URL: asAppRole(this.db.url),
        NATS_URL: testEnv.natsUrl,
        NATS_PREFIX: this.topology.prefix,
        RELAY_LOCK_RETRY_MS: '300',
        RELAY_CHECKPOINT_EVERY: '100',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    proc.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    this.children.push({ proc, output });
    return proc;
  }

  async streamCount(): Promise<number> {
    return (await this.jsm.streams.info(this.topology.events.name)).state.messages;
  }

  async storeEvents(): Promise<RecordedEvent[]> {
    return this.store.readAll({ maxCount: 1_000_000 });
  }

  /** Every message of the events stream, in stream order. */
  async published(): Promise<Published[]> {
    const last = (await this.jsm.streams.info(this.topology.events.name)).state.last_seq;
    if (last === 0) return [];
    const consumer = await this.js.consumers.get(this.topology.events.name);
    const messages = await consumer.consume({ max_messages: 1_000 });
    const out: Published[] = [];
    for await (const m of messages) {
      out.push({ seq: m.seq, msgId: m.headers?.get('Nats-Msg-Id'), subject: m.subject, event: m.json<RecordedEvent>() });
      if (m.seq >= last) break;
    }
    await messages.close();
    return out;
  }

  /** The stream holds every event of the store exactly once, in position order, under its own id. */
  async expectStreamMirrorsStore(): Promise<void> {
    const events = await this.storeEvents();
    await eventually(async () => (await this.streamCount()) >= events.length, 60_000, `${events.length} events in the stream`);
    const published = await this.published();
    expect(published).toHaveLength(events.length);
    expect(new Set(published.map((p) => p.msgId)).size).toBe(events.length);
    expect(published.map((p) => p.event.position)).toEqual(events.map((e) => e.position));
    expect(published.map((p) => p.msgId)).toEqual(events.map((e) => e.id));
    expect(published.every((p) => p.subject === this.topology.subject('events.relaytest.ThingHappened'))).toBe(true);
  }

  async query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: this.db.url });
    await c.connect();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  async checkpoint(): Promise<number | undefined> {
    const rows = await this.query<{ position: string }>(`SELECT position FROM messaging.relay_checkpoints WHERE relay = $1`, [
      this.topology.events.name,
    ]);
    return rows[0] ? Number(rows[0].position) : undefined;
  }

  /** Pid of the process whose connection holds the relay lock (its application_name says so). */
  async leaderPid(): Promise<number | undefined> {
    const rows = await this.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
         AND a.application_name LIKE 'llmlab-relay %'`,
    );
    const match = rows[0]?.application_name.match(/pid (\d+)$/);
    return match ? Number(match[1]) : undefined;
  }

  dumpOutput(): string {
    return this.children.map((c, i) => `--- relay ${i} (pid ${c.proc.pid})\n${c.output.join('')}`).join('\n');
  }
}

describe('EventRelay', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let fx: Fixture;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    nc = await connect({ servers: testEnv.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc.close();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  beforeEach(() => {
    fx = new Fixture(nc, js, jsm);
  });

  afterEach(async () => {
    const failed = expect.getState().assertionCalls !== expect.getState().numPassingAsserts;
    if (failed) process.stdout.write(fx.dumpOutput() + '\n');
    await fx.tearDown();
  });

  it('survives kill -9 mid-stream: after a restart every event is in the stream exactly once, in order', async () => {
    await fx.setUp();
    await fx.append(200);
    const first = fx.spawnRelay();
    let appending = true;
    const appender = (async () => {
      while (appending) await fx.append(25);
    })();
    try {
      await eventually(async () => (await fx.streamCount()) >= 1_200, 60_000, 'the first relay to publish 1200 events');
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const atCrash = await fx.streamCount();
      await sleep(500);
      fx.spawnRelay();
      await eventually(async () => (await fx.streamCount()) > atCrash + 500, 60_000, 'the second relay to publish');
      while ((await fx.storeEvents()).length < 3_000) await sleep(100);
    } finally {
      appending = false;
      await appender;
    }
    await fx.expectStreamMirrorsStore();
    expect((await fx.storeEvents()).length).toBeGreaterThanOrEqual(3_000);
  });

  it('hands over to a standby when the leader dies, and the standby carries on', async () => {
    await fx.setUp();
    const relays = [fx.spawnRelay(), fx.spawnRelay()];
    await eventually(async () => (await fx.leaderPid()) !== undefined, 30_000, 'a leader');
    const leaderPid = (await fx.leaderPid())!;
    const active = relays.find((r) => r.pid === leaderPid)!;
    const standby = relays.find((r) => r.pid !== leaderPid)!;
    await fx.append(300);
    await eventually(async () => (await fx.streamCount()) === 300, 30_000, 'the leader to publish');

    active.kill('SIGKILL');
    await fx.append(300);
    await eventually(async () => (await fx.leaderPid()) === standby.pid, 30_000, 'the standby to take the lock');
    await fx.expectStreamMirrorsStore();
    expect(await fx.streamCount()).toBe(600);
  });

  it('stops gracefully on SIGTERM: checkpoint at the last event, lock released', async () => {
    await fx.setUp();
    await fx.append(250);
    const relay = fx.spawnRelay();
    await eventually(async () => (await fx.streamCount()) === 250, 30_000, 'the relay to publish');
    relay.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => relay.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    const events = await fx.storeEvents();
    expect(await fx.checkpoint()).toBe(events[events.length - 1].position);
    expect(await fx.leaderPid()).toBeUndefined();
  });

  it('never republishes, even when its checkpoint lags beyond the duplicate window', async () => {
    await fx.setUp({ duplicateWindowMs: 500 });
    await fx.append(120);
    const relay = new EventRelay({ store: fx.store, databaseUrl: fx.db.url, js, topology: fx.topology, lockRetryMs: 200 });
    relay.start();
    const last = (await fx.storeEvents()).at(-1)!.position;
    await eventually(async () => relay.position === last, 30_000, '120 events published');
    await relay.stop();
    expect(relay.isLeader).toBe(false);
    await fx.query(`UPDATE messaging.relay_checkpoints SET position = 0`);
    await sleep(1_000);

    const again = new EventRelay({ store: fx.store, databaseUrl: fx.db.url, js, topology: fx.topology, lockRetryMs: 200 });
    again.start();
    await fx.append(30);
    await fx.expectStreamMirrorsStore();
    expect(await fx.streamCount()).toBe(150);
    await again.stop();
  });

  it('resynchronises, neither duplicating nor reordering, when another publisher got ahead of it', async () => {
    await fx.setUp();
    await fx.append(20);
    const events = await fx.storeEvents();
    // The relay's publishes are held back while a zombie leader publishes the first ten events, in order.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slowJs = {
      jetstreamManager: () => js.jetstreamManager(),
      publish: async (...args: Parameters<JetStreamClient['publish']>) => {
        await held;
        return js.publish(...args);
      },
    } as unknown as JetStreamClient;
    const relay = new EventRelay({ store: fx.store, databaseUrl: fx.db.url, js: slowJs, topology: fx.topology, lockRetryMs: 100 });
    relay.start();
    await eventually(async () => relay.isLeader, 10_000, 'leadership');
    for (const e of events.slice(0, 10)) {
      await js.publish(fx.topology.subject('events.relaytest.ThingHappened'), JSON.stringify(e), { msgID: e.id });
    }
    release();
    await fx.append(5);
    await fx.expectStreamMirrorsStore();
    await relay.stop();
  });

  it('steps down when its lock connection dies, then competes again and carries on', async () => {
    await fx.setUp();
    await fx.append(40);
    const relay = new EventRelay({ store: fx.store, databaseUrl: fx.db.url, js, topology: fx.topology, lockRetryMs: 100 });
    relay.start();
    await eventually(async () => (await fx.streamCount()) === 40, 10_000, '40 published');
    const [killed] = await fx.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
       WHERE datname = current_database() AND application_name LIKE 'llmlab-relay %'`,
    );
    expect(killed?.killed).toBe(true);
    await fx.append(40);
    await fx.expectStreamMirrorsStore();
    await eventually(async () => relay.isLeader && (await fx.leaderPid()) === process.pid, 10_000, 'leadership again');
    await relay.stop();
  });

  it('waits for the lock while another instance holds it', async () => {
    await fx.setUp();
    const holder = new Client({ connectionString: fx.db.url });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(hashtext('llmlab.messaging.relay'), hashtext($1))`, [fx.topology.events.name]);
    await fx.append(10);
    const relay = new EventRelay({ store: fx.store, databaseUrl: fx.db.url, js, topology: fx.topology, lockRetryMs: 100 });
    relay.start();
    await sleep(500);
    expect(relay.isLeader).toBe(false);
    expect(await fx.streamCount()).toBe(0);
    await holder.end();
    await eventually(async () => (await fx.streamCount()) === 10, 10_000, 'the relay to take over');
    expect(relay.isLeader).toBe(true);
    await relay.stop();
  });
});
