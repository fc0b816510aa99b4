import { ingestionStreams } from '@llmlab/contracts';
import { usageEvent } from '@llmlab/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, usageBatch } from './usage.fixtures';

// INGESTION_ROLE splits the service's background work between processes (docs/operations.md, "Scaling ingestion"):
// an intake process prices and appends to the ledger but never projects; a projection process projects but takes
// nothing from the ingest stream.
describe('ingestion roles', () => {
  const projectionLockHolders = (h: IngestionHarness) =>
    h.count(
      `SELECT count(*) AS n FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid::int = hashtext('llmlab.messaging.projection') AND objid::int = hashtext('ingestion.usage')`,
    );
  const usageConsumerExists = async (h: IngestionHarness) => {
    const jsm = await jetstreamManager(h.runtime.nats);
    return jsm.consumers.info(h.topology.ingest.name, 'ingestion-usage').then(
      () => true,
      () => false,
    );
  };

  it('intake: records batches in the ledger and leaves the read models to another process', async () => {
    const h = await IngestionHarness.start({ env: { INGESTION_ROLE: 'intake' } });
    try {
      const tenant = newTenant();
      await h.publish(usageBatch(tenant, [usageEvent(), usageEvent()]));
      await h.until(
        async () => (await h.runtime.eventStore.readStream(ingestionStreams.usage(tenant.projectId))).length === 1,
        'the batch in the ledger',
      );
      expect(await usageConsumerExists(h)).toBe(true);
      // The projection would have applied it within a second: it does not run here.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await projectionLockHolders(h)).toBe(0);
      expect(await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId])).toBe(0);
    } finally {
      await h.stop();
    }
  }, 60_000);

  it('projection: holds the projection and consumes nothing from the ingest stream', async () => {
    const h = await IngestionHarness.start({ env: { INGESTION_ROLE: 'projection' } });
    try {
      await h.until(async () => (await projectionLockHolders(h)) === 1, 'the projection to take its lock');
      expect(await usageConsumerExists(h)).toBe(false);
    } finally {
      await h.stop();
    }
  }, 60_000);
});
