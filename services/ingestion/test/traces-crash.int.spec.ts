import { INGEST_SPANS_SUBJECT, ingestionStreams } from '@llmlab/contracts';
import { startIngestionCrashRig, type IngestionCrashRig } from '@llmlab/testing';
import { span, spanBatch, traceId } from './span.fixtures';
import { newTenant } from './usage.fixtures';

const BATCHES = 200;
const SPANS_PER_BATCH = 20;

// The real ingestion process, killed with SIGKILL while span batches stream in, then restarted: every batch the
// intake would have answered for ends up in the ledger once and every span counted once.
describe('ingestion killed mid-spans', () => {
  let rig: IngestionCrashRig;

  beforeAll(async () => {
    rig = await startIngestionCrashRig();
  }, 90_000);

  afterAll(async () => {
    await rig?.stop();
  }, 60_000);

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
    const spans = () => rig.count('SELECT count(*) AS n FROM ingestion.trace_spans WHERE project_id = $1', [tenant.projectId]);

    const { signal, atKill } = await rig.killMidStream({ subject: INGEST_SPANS_SUBJECT, batches, recorded: spans, total, what: 'spans' });
    expect(signal).toBe('SIGKILL');
    expect(atKill).toBeLessThan(total);

    expect(await spans()).toBe(total);
    expect(await rig.count('SELECT count(*) AS n FROM ingestion.traces WHERE project_id = $1', [tenant.projectId])).toBe(BATCHES);
    expect(
      await rig.count('SELECT count(*) AS n FROM ingestion.traces WHERE project_id = $1 AND span_count <> $2', [
        tenant.projectId,
        SPANS_PER_BATCH,
      ]),
    ).toBe(0);
    const ledger = await rig.session.pool.query<{ batch_id: string }>(
      `SELECT data->>'batchId' AS batch_id FROM event_store.events WHERE stream_id = $1 AND type = 'SpansRecorded'`,
      [ingestionStreams.traces(tenant.projectId)],
    );
    expect(ledger.rows).toHaveLength(BATCHES);
    expect(new Set(ledger.rows.map((r) => r.batch_id)).size).toBe(BATCHES);
  }, 240_000);
});
