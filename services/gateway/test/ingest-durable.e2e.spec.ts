import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import type { UsageEventInput } from '@llmlab/contracts';
import { streamTopology } from '@llmlab/messaging';
import {
  createSession,
  createTestDatabase,
  eventually,
  freePort,
  TestPlatform,
  usageEvent,
  type TestDatabase,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(240_000);

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server';

/**
 * A NATS server of the test's own (JetStream, its own port and store directory), which the test stops and
 * starts; the shared one on 4222 is never touched.
 */
class OwnNats {
  private child?: ChildProcess;
  readonly storeDir = mkdtempSync(join(tmpdir(), 'llmlab-nats-'));
  constructor(readonly port: number) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir], { stdio: 'ignore' });
    this.child = child;
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      const nc = await connect({ servers: this.url, maxReconnectAttempts: 0 });
      await nc.close();
      return true;
    }, 'the test NATS server');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

// 202 means durable, over HTTP: when the ingest buffer cannot take a batch (NATS stopped, or JetStream refusing a
// full stream), the gateway answers 503 with Retry-After and marks none of its ids accepted, so the same batch
// sent again after recovery is accepted, and counted once.
describe('POST /v1/usage when the ingest buffer cannot take the batch', () => {
  let nats: OwnNats;
  let db: TestDatabase;
  let platform: TestPlatform;
  let sql: Client;
  let s: TestSession;

  beforeAll(async () => {
    nats = new OwnNats(await freePort());
    await nats.start();
    db = await createTestDatabase();
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      services: ['gateway', 'auth', 'ingestion'],
      env: { NATS_URL: nats.url, INGEST_PUBLISH_TIMEOUT_MS: '1500' },
    });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    s = await createSession(platform.gatewayUrl);
  }, 180_000);

  afterAll(async () => {
    await sql?.end();
    await platform?.stop();
    await db?.drop();
    await nats?.remove();
  }, 60_000);

  /** Rows of these ids in the usage records: each id once when nothing was lost or counted twice. */
  const recorded = async (ids: readonly string[]) =>
    (
      await sql.query<{ n: string }>(
        'SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1 AND event_id = ANY($2::text[])',
        [s.projectId, ids],
      )
    ).rows.map((r) => Number(r.n))[0];
  const post = (events: UsageEventInput[]) => s.keyAgent.post('/v1/usage', { events });
  const ids = (events: UsageEventInput[]) => events.map((e) => e.id);

  it('answers 503 with Retry-After while NATS is stopped, and takes the same batch once after it is back', async () => {
    const warm = [usageEvent()];
    expect((await post(warm)).status).toBe(202);
    await eventually(async () => ((await recorded(ids(warm))) === 1 ? true : undefined), 'the first batch', 30_000);

    await nats.stop();
    const batch = [usageEvent(), usageEvent()];
    const refused = await post(batch);
    expect({ status: refused.status, retryAfter: refused.headers.get('retry-after') }).toEqual({
      status: 503,
      retryAfter: expect.any(String),
    });
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);

    await nats.start();
    const accepted = await eventually(
      async () => {
        const res = await post(batch);
        return res.status === 202 ? res : undefined;
      },
      'a 202 once NATS is back',
      60_000,
    );
    expect(accepted.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    await eventually(async () => ((await recorded(ids(batch))) === 2 ? true : undefined), 'the resent batch', 30_000);
    expect((await post(batch)).body).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('answers 503 INGEST_BACKPRESSURE with Retry-After when JetStream refuses (a full stream), and takes the batch once after', async () => {
    // Nothing consumes the stream while it is full, so it stays full.
    await platform.stopService('ingestion');
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const ingest = streamTopology(platform.natsPrefix).ingest.name;
    const before = await jsm.streams.info(ingest);
    await jsm.streams.update(ingest, { max_msgs: before.state.messages + 1, discard: DiscardPolicy.New });
    try {
      const filler = [usageEvent()];
      expect((await post(filler)).status).toBe(202);

      const batch = [usageEvent(), usageEvent(), usageEvent()];
      const refused = await post(batch);
      expect({ status: refused.status, code: refused.body.code, retryAfter: refused.headers.get('retry-after') }).toEqual({
        status: 503,
        code: 'INGEST_BACKPRESSURE',
        retryAfter: expect.any(String),
      });

      await jsm.streams.update(ingest, { max_msgs: -1, discard: before.config.discard });
      await platform.startService('ingestion');
      const accepted = await post(batch);
      expect({ status: accepted.status, body: accepted.body }).toMatchObject({ status: 202, body: { accepted: 3, duplicates: 0 } });
      await eventually(async () => ((await recorded([...ids(filler), ...ids(batch)])) === 4 ? true : undefined), 'the batches', 60_000);
    } finally {
      await nc.close();
    }
  });
});
