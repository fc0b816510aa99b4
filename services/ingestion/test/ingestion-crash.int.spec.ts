import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { INGEST_USAGE_SUBJECT, ingestionStreams, type UsageRecordedData } from '@llmlab/contracts';
import { ensureStreams, type StreamTopology } from '@llmlab/messaging';
import { createTestDatabase, testEnv, TestPlatform, usageEvent, type TestDatabase } from '@llmlab/testing';
import { newTenant, usageBatch } from './usage.fixtures';

const BATCHES = 200;
const EVENTS_PER_BATCH = 25;

// The real ingestion process, killed with SIGKILL while batches stream in, then restarted: every batch the
// gateway would have answered 202 for ends up counted exactly once.
describe('ingestion killed mid-stream', () => {
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

  it('records every published batch exactly once', async () => {
    const tenant = newTenant();
    const batches = Array.from({ length: BATCHES }, () =>
      usageBatch(
        tenant,
        Array.from({ length: EVENTS_PER_BATCH }, () => usageEvent({ userId: 'u', tags: { run: 'crash' } })),
      ),
    );
    const total = BATCHES * EVENTS_PER_BATCH;
    const recorded = () => count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId]);
    const publish = (from: number, to: number) =>
      Promise.all(
        batches.slice(from, to).map((b) => js.publish(topology.subject(INGEST_USAGE_SUBJECT), JSON.stringify(b), { msgID: b.batchId })),
      );

    await publish(0, BATCHES / 2);
    await until(async () => (await recorded()) > 0, 'the first records', 60_000);
    const exit = await platform.stopService('ingestion', 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const atKill = await recorded();
    expect(atKill).toBeLessThan(total);

    // Accepted while the service is down: JetStream keeps them.
    await publish(BATCHES / 2, BATCHES);
    await platform.startService('ingestion');
    await until(async () => (await recorded()) === total, `${total} records (had ${atKill} at the kill)`, 120_000);
    // Give redeliveries that might still come a moment to show up as duplicates.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(await recorded()).toBe(total);
    expect(await count('SELECT count(DISTINCT event_id) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId])).toBe(
      total,
    );
    for (const table of ['usage_rollups_hourly', 'usage_rollups_daily', 'usage_rollups_daily_users', 'usage_rollups_daily_tags']) {
      expect([
        table,
        await count(`SELECT coalesce(sum(requests), 0) AS n FROM ingestion.${table} WHERE project_id = $1`, [tenant.projectId]),
      ]).toEqual([table, total]);
    }
    const ledger = await sql.query<{ data: UsageRecordedData }>(
      `SELECT data FROM event_store.events WHERE stream_id = $1 AND type = 'UsageRecorded'`,
      [ingestionStreams.usage(tenant.projectId)],
    );
    expect(ledger.rows).toHaveLength(BATCHES);
    expect(new Set(ledger.rows.map((r) => r.data.batchId)).size).toBe(BATCHES);
  }, 240_000);
});
