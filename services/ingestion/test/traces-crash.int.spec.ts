import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { INGEST_SPANS_SUBJECT, ingestionStreams } from '@llmlab/contracts';
import { ensureStreams, type StreamTopology } from '@llmlab/messaging';
import { createTestDatabase, testEnv, TestPlatform, type TestDatabase } from '@llmlab/testing';
import { span, spanBatch, traceId } from './span.fixtures';
import { newTenant } from './usage.fixtures';

const BATCHES = 200;
const SPANS_PER_BATCH = 20;

// The real ingestion process, killed with SIGKILL while span batches stream in, then restarted: every batch the
// intake would have answered for ends up in the ledger once and every span counted once.
describe('ingestion killed mid-spans', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let topology: StreamTopology;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A short ack wait: what the killed process had fetched comes back quickly.
    platform = await TestPlatform.start({ databaseUrl: db.url, services: ['ingestion'], env: { CONSUMER_ACK_WAIT_MS: '2000' } });
    nc = await connect({ servers: testEnv.natsUrl });
    topology = await ensureStreams(await jetstreamManager(nc), { prefix: platform.natsPrefix });
    js = jetstream(nc);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  }, 90_000);

  afterAll(async () => {
    await sql?.end();
    await nc?.close();
    await platform?.stop();
    await db?.drop();
  }, 60_000);

  const count = async (query: string, params: unknown[] = []) => Number((await sql.query<{ n: string }>(query, params)).rows[0].n);
  const until = async (check: () => Promise<boolean>, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; service log:\n${platform.logs('ingestion')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('records every published span exactly once', async () => {
    const tenant = newTenant();
    // One trace per batch: each trace's span count shows a span counted twice or lost.
    const batches = Array.from({ length: BATCHES }, () => {
      const id = traceId();
      return spanBatch(
        tenant,
        Array.from({ length: SPANS_PER_BATCH }, () => span(id)),
      );
    });
    const total = BATCHES * SPANS_PER_BATCH;
    const spans = () => count('SELECT count(*) AS n FROM ingestion.trace_spans WHERE project_id = $1', [tenant.projectId]);
    const publish = (from: number, to: number) =>
      Promise.all(
        batches.slice(from, to).map((b) => js.publish(topology.subject(INGEST_SPANS_SUBJECT), JSON.stringify(b), { msgID: b.batchId })),
      );

    await publish(0, BATCHES / 2);
    await until(async () => (await spans()) > 0, 'the first spans', 60_000);
    const exit = await platform.stopService('ingestion', 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const atKill = await spans();
    expect(atKill).toBeLessThan(total);

    await publish(BATCHES / 2, BATCHES);
    await platform.startService('ingestion');
    await until(async () => (await spans()) === total, `${total} spans (had ${atKill} at the kill)`, 120_000);
    // Give redeliveries that might still come a moment to show up as duplicates.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(await spans()).toBe(total);
    expect(await count('SELECT count(*) AS n FROM ingestion.traces WHERE project_id = $1', [tenant.projectId])).toBe(BATCHES);
    expect(
      await count('SELECT count(*) AS n FROM ingestion.traces WHERE project_id = $1 AND span_count <> $2', [
        tenant.projectId,
        SPANS_PER_BATCH,
      ]),
    ).toBe(0);
    const ledger = await sql.query<{ batch_id: string }>(
      `SELECT data->>'batchId' AS batch_id FROM event_store.events WHERE stream_id = $1 AND type = 'SpansRecorded'`,
      [ingestionStreams.traces(tenant.projectId)],
    );
    expect(ledger.rows).toHaveLength(BATCHES);
    expect(new Set(ledger.rows.map((r) => r.batch_id)).size).toBe(BATCHES);
  }, 240_000);
});
