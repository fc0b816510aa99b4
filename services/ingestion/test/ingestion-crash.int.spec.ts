import { INGEST_USAGE_SUBJECT, ingestionStreams, type UsageRecordedData } from '@llmlab/contracts';
import { startIngestionCrashRig, usageEvent, type IngestionCrashRig } from '@llmlab/testing';
import { newTenant, usageBatch } from './usage.fixtures';
import { ROLLUPS } from '../src/read-models/usage-projection.repository';

const BATCHES = 200;
const EVENTS_PER_BATCH = 25;

// The real ingestion process, killed with SIGKILL while batches stream in, then restarted: every batch the
// gateway would have answered 202 for ends up counted exactly once.
describe('ingestion killed mid-stream', () => {
  let rig: IngestionCrashRig;

  beforeAll(async () => {
    rig = await startIngestionCrashRig();
  }, 90_000);

  afterAll(async () => {
    await rig?.stop();
  }, 60_000);

  it('records every published batch exactly once', async () => {
    const tenant = newTenant();
    const batches = Array.from({ length: BATCHES }, () =>
      usageBatch(
        tenant,
        Array.from({ length: EVENTS_PER_BATCH }, () => usageEvent({ userId: 'u', tags: { run: 'crash' } })),
      ),
    );
    const total = BATCHES * EVENTS_PER_BATCH;
    const recorded = () => rig.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId]);

    // The second half is accepted while the service is down: JetStream keeps it.
    const { signal, atKill } = await rig.killMidStream({ subject: INGEST_USAGE_SUBJECT, batches, recorded, total, what: 'records' });
    expect(signal).toBe('SIGKILL');
    expect(atKill).toBeLessThan(total);

    expect(await recorded()).toBe(total);
    expect(
      await rig.count('SELECT count(DISTINCT event_id) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId]),
    ).toBe(total);
    for (const { table } of ROLLUPS) {
      expect([
        table,
        await rig.count(`SELECT coalesce(sum(requests), 0) AS n FROM ingestion.${table} WHERE organization_id = $1`, [
          tenant.organizationId,
        ]),
      ]).toEqual([table, total]);
    }
    const ledger = await rig.session.pool.query<{ data: UsageRecordedData }>(
      `SELECT data FROM event_store.events WHERE stream_id = $1 AND type = 'UsageRecorded'`,
      [ingestionStreams.usage(tenant.projectId)],
    );
    expect(ledger.rows).toHaveLength(BATCHES);
    expect(new Set(ledger.rows.map((r) => r.data.batchId)).size).toBe(BATCHES);
  }, 240_000);
});
