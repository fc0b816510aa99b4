import { Objm } from '@nats-io/obj';
import { v7 as uuidv7 } from 'uuid';
import { ingestionStreams, ingestionSubjects, usageImportsBucket, type RecordedEvent } from '@llmlab/contracts';
import { CommandRunner } from '@llmlab/service-kit';
import { derivedEventId } from '../src/derived-event-id';
import { IngestionProjection } from '../src/read-models/ingestion.projection';
import { usageImportDecider } from '../src/usage-imports/usage-import.decider';
import { UsageImportWorker } from '../src/usage-imports/usage-import.worker';
import { UsageMaintenance } from '../src/usage/usage-maintenance';
import { UsageRecordingHandler } from '../src/usage/usage-recording.handler';
import { IngestionHarness } from './ingestion.harness';
import { LEDGER_RECORD_COUNT_SQL, usageEvent } from '@llmlab/testing';
import { newTenant } from './usage.fixtures';

jest.setTimeout(60_000);

const DAY = 86_400_000;

// The importer on real PostgreSQL and JetStream, driven through the service's own subjects and worker.
describe('usage imports', () => {
  let h: IngestionHarness;

  beforeAll(async () => {
    h = await IngestionHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  const view = (importId: string, organizationId: string) => h.request(ingestionSubjects.usageImport, { importId }, { organizationId });
  const importRecords = (importId: string) =>
    h.count(
      `SELECT coalesce(sum(${LEDGER_RECORD_COUNT_SQL}), 0) AS n FROM event_store.events WHERE type = 'UsageRecorded' AND data->>'importId' = $1`,
      [importId],
    );

  it('appends nothing twice when it resumes a part whose ledger append was done but not its checkpoint', async () => {
    const tenant = newTenant();
    const importId = uuidv7();
    const events = Array.from({ length: 2500 }, (_, i) =>
      usageEvent({ timestamp: new Date(Date.now() - 100 * DAY + i * 60_000).toISOString() }),
    );
    const file = events.map((e) => JSON.stringify(e)).join('\n');
    const bucket = await new Objm(h.runtime.nats).open(usageImportsBucket(h.runtime.streams.prefix));
    await bucket.putBlob({ name: importId }, Buffer.from(file));

    // The state a process leaves when it dies between the two writes of part 0: queued, started, part 0 in the
    // ledger, no checkpoint. The worker is stopped meanwhile, so that it takes the import only afterwards.
    const worker = h.get(UsageImportWorker);
    await worker.stop();
    const runner = h.get(CommandRunner);
    const stream = ingestionStreams.usageImport(importId);
    const actor = { type: 'api_key' as const, id: tenant.apiKeyId };
    const metadata = { actor, organizationId: tenant.organizationId, projectId: tenant.projectId, correlationId: importId };
    const queuedAt = new Date().toISOString();
    await runner.run(
      stream,
      usageImportDecider,
      { type: 'QueueImport', data: { importId, ...tenant, actor, format: 'jsonl', bytes: file.length, at: queuedAt } },
      { metadata },
    );
    await runner.run(stream, usageImportDecider, { type: 'StartImport', data: { at: queuedAt } }, { metadata });
    await h.get(UsageRecordingHandler).append(
      {
        batchId: derivedEventId(importId, 'UsageImportPart', 0),
        organizationId: tenant.organizationId,
        projectId: tenant.projectId,
        apiKeyId: tenant.apiKeyId,
        actor,
        receivedAt: queuedAt,
        correlationId: importId,
        importId,
        events: events.slice(0, 1000),
      },
      (position) => position,
    );
    expect(await importRecords(importId)).toBe(1000);

    await worker.start();
    await h.until(async () => (await view(importId, tenant.organizationId)).status === 'completed', 'the import to complete', 30_000);
    expect(await view(importId, tenant.organizationId)).toMatchObject({
      status: 'completed',
      linesRead: 2500,
      accepted: 2500,
      duplicates: 0,
      rejected: 0,
    });
    expect(await importRecords(importId)).toBe(2500);
    expect(await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId])).toBe(2500);
    const parts = (await h.runtime.eventStore.readStream(stream)).filter((e) => e.type === 'UsageImportPartRecorded');
    expect(parts.map((e) => (e.data as { part: number }).part)).toEqual([0, 1, 2]);
    // The uploaded file is gone once imported.
    expect((await bucket.info(importId))?.deleted).toBe(true);

    // A redelivered import event changes nothing in the read model.
    const row = () =>
      h.rows('SELECT lines_read, valid, rejected, counted, duplicates, worker_status FROM ingestion.usage_imports WHERE import_id = $1', [
        importId,
      ]);
    const before = await row();
    const projection = h.get(IngestionProjection);
    for (const event of await h.runtime.eventStore.readStream(stream)) expect(await projection.apply(event as RecordedEvent)).toBe(false);
    expect(await row()).toEqual(before);
  });

  /** Stores a file as the gateway does, queues its import and waits for it to complete. */
  async function runImport(tenant: ReturnType<typeof newTenant>, file: string) {
    const importId = uuidv7();
    const bucket = await new Objm(h.runtime.nats).open(usageImportsBucket(h.runtime.streams.prefix));
    await bucket.putBlob({ name: importId }, Buffer.from(file));
    const context = {
      organizationId: tenant.organizationId,
      projectId: tenant.projectId,
      actor: { type: 'api_key' as const, id: tenant.apiKeyId },
    };
    await h.request(ingestionSubjects.startUsageImport, { importId, format: 'jsonl', bytes: file.length }, context);
    await h.until(
      async () => (await h.request(ingestionSubjects.usageImport, { importId }, context)).status === 'completed',
      'the import',
      30_000,
    );
    return h.request(ingestionSubjects.usageImport, { importId }, context);
  }

  it('counts an old id once when its file is imported again after its claims expired', async () => {
    const tenant = newTenant();
    const events = Array.from({ length: 300 }, (_, i) =>
      usageEvent({ timestamp: new Date(Date.now() - 200 * DAY + i * 60_000).toISOString() }),
    );
    const file = events.map((e) => JSON.stringify(e)).join('\n');
    expect(await runImport(tenant, file)).toMatchObject({ accepted: 300, duplicates: 0 });
    // 41 days later: the hourly maintenance has pruned the claims; the records stay.
    await h.sql.query(`UPDATE ingestion.usage_event_claims SET claimed_at = now() - interval '41 days' WHERE project_id = $1`, [
      tenant.projectId,
    ]);
    expect(await h.get(UsageMaintenance).pruneClaims(new Date())).toBeGreaterThanOrEqual(300);
    expect(await h.count('SELECT count(*) AS n FROM ingestion.usage_event_claims WHERE project_id = $1', [tenant.projectId])).toBe(0);

    expect(await runImport(tenant, file)).toMatchObject({ accepted: 0, duplicates: 300 });
    expect(await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId])).toBe(300);
    expect(
      await h.count('SELECT coalesce(sum(requests), 0) AS n FROM ingestion.usage_rollups_daily WHERE project_id = $1', [tenant.projectId]),
    ).toBe(300);
  });

  it("answers another organization's import, or an unknown one, as not found", async () => {
    const tenant = newTenant();
    const other = newTenant();
    const importId = uuidv7();
    await h.request(
      ingestionSubjects.startUsageImport,
      { importId, format: 'csv', bytes: 0 },
      { organizationId: tenant.organizationId, projectId: tenant.projectId, actor: { type: 'user', id: uuidv7() } },
    );
    // Seen at once, before the projection: read from the stream.
    expect(await h.request(ingestionSubjects.usageImportOwner, { importId })).toEqual({ organizationId: tenant.organizationId });
    for (const context of [
      { organizationId: other.organizationId },
      { organizationId: tenant.organizationId, projectId: other.projectId },
    ]) {
      expect((await h.reply(ingestionSubjects.usageImport, { importId }, context)).ok).toBe(false);
    }
    const unknown = await h.reply(ingestionSubjects.usageImportOwner, { importId: uuidv7() });
    expect(unknown.ok ? null : unknown.error.code).toBe('USAGE_IMPORT_NOT_FOUND');
  });
});
