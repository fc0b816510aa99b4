import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ingestionSubjects,
  providerSyncSubjects as s,
  type RecordedEvent,
  type RecordedSpendRequest,
  type RequestEnvelope,
  type SyncRunView,
} from '@llmlab/contracts';
import { handleRequest, natsMicroserviceOptions } from '@llmlab/messaging';
import { FakeOpenAiServer, ServiceHarness, testEnv } from '@llmlab/testing';
import { v7 as uuidv7 } from 'uuid';
import { providerSyncEnv } from '../src/provider-sync.config';
import { ProviderSyncModule } from '../src/provider-sync.module';
import { PROVIDER_SYNC_READ_MODELS, ProviderSyncProjection } from '../src/read-models/provider-sync.projection';

const KEY = 'sk-admin-projection-test-7c1e';

jest.setTimeout(60_000);

class ProviderSyncHarness extends ServiceHarness {
  static async start(trusted: string): Promise<ProviderSyncHarness> {
    return new ProviderSyncHarness(
      await ServiceHarness.launch(
        { name: 'provider-sync', env: providerSyncEnv, module: ProviderSyncModule },
        { env: { PROVIDER_SYNC_TRUSTED_ORIGINS: trusted } },
      ),
    );
  }
}

/**
 * The ingestion service's side of `ingestion.query.recorded-spend` on the harness's prefix, answering through Nest's
 * NATS transport as ingestion does: it recorded nothing. (A provider-sync test cannot boot the ingestion service:
 * a service never imports another.) It keeps what it was asked, to check the reporter's scope and days.
 */
const asked: { organizationId: string | undefined; request: RecordedSpendRequest }[] = [];

@Controller()
class RecordedNothing {
  @MessagePattern(ingestionSubjects.recordedSpend.subject)
  recordedSpend(@Payload() e: RequestEnvelope<RecordedSpendRequest>) {
    return handleRequest(ingestionSubjects.recordedSpend, e, (p, ctx) => {
      asked.push({ organizationId: ctx.organizationId, request: p });
      return Promise.resolve({ from: p.from, to: p.to, groupBy: p.groupBy, data: [], nextCursor: null });
    });
  }
}

@Module({ controllers: [RecordedNothing] })
class RecordedNothingModule {}

const context = (organizationId: string) => ({ organizationId, actor: { type: 'user' as const, id: 'user-1' }, role: 'owner' });

describe('provider-sync read models from the events, and the reconciliation after each completed sync', () => {
  const openai = new FakeOpenAiServer();
  let h: ProviderSyncHarness;
  let ingestion: INestMicroservice;
  const org = uuidv7();
  let connectionId: string;

  beforeAll(async () => {
    await openai.start();
    openai.adminKeys.add(KEY);
    openai.bucketsPerPage = 2;
    openai.costs = [
      { day: '2026-02-01', project: null, lineItem: 'gpt-4o, input', amount: '5.25' },
      { day: '2026-02-02', project: null, lineItem: 'gpt-4o, input', amount: '1.000000000001' },
      { day: '2026-02-03', project: 'proj_a', lineItem: 'gpt-4o, output', amount: '3' },
    ];
    h = await ProviderSyncHarness.start(openai.url);
    ingestion = await NestFactory.createMicroservice(RecordedNothingModule, {
      ...natsMicroserviceOptions({ servers: testEnv.natsUrl, queue: 'ingestion', prefix: h.prefix, gracePeriodMs: 100 }),
      logger: false,
    });
    await ingestion.listen();
  });
  afterAll(async () => {
    await ingestion?.close();
    await h?.stop();
    await openai.stop();
  });

  async function sync(): Promise<SyncRunView> {
    const { runId } = await h.request(
      s.startSync,
      { connectionId, from: '2026-02-01T00:00:00Z', to: '2026-02-05T00:00:00Z' },
      context(org),
    );
    // Read your writes: the run is listed as soon as the start answered.
    expect((await h.request(s.listRuns, { connectionId }, context(org))).map((r) => r.runId)).toContain(runId);
    let run: SyncRunView | undefined;
    await h.until(async () => {
      run = (await h.request(s.listRuns, { connectionId }, context(org))).find((r) => r.runId === runId);
      return run?.status === 'completed';
    }, 'the sync run to complete');
    return run!;
  }

  const discrepancies = async () =>
    (
      await h.events<{ organizationId: string; day: string; direction: string; billed: { amount: string } }>(
        'ReconciliationDiscrepancyDetected',
      )
    )
      .filter((e) => e.data.organizationId === org)
      .map((e) => ({ day: e.data.day, direction: e.data.direction, billed: e.data.billed.amount }));

  it('answers a registration once the projection applied it: the connection reads back at once', async () => {
    const view = await h.request(
      s.registerConnection,
      { provider: 'openai', name: 'OpenAI', credentials: { adminKey: KEY }, baseUrl: openai.url },
      context(org),
    );
    connectionId = view.connectionId;
    expect(await h.request(s.getConnection, { connectionId }, context(org))).toEqual(view);
    const [checkpoint] = await h.rows<{ position: string }>(
      `SELECT position FROM provider_sync.projection_checkpoints WHERE projection = $1`,
      [PROVIDER_SYNC_READ_MODELS.projection],
    );
    const [registered] = await h.events('ProviderConnectionRegistered');
    expect(Number(checkpoint.position)).toBeGreaterThanOrEqual(registered.position);
  });

  it('reports the complete days outside the tolerance after a completed sync, once: a re-sync with the same figures reports nothing new', async () => {
    const run = await sync();
    expect(run).toMatchObject({ rowsImported: 3 });
    await h.until(async () => (await discrepancies()).length === 3, 'the reconciliation report of the run');
    expect(await discrepancies()).toEqual([
      { day: '2026-02-01', direction: 'unrecorded', billed: '5.250000000000' },
      { day: '2026-02-02', direction: 'unrecorded', billed: '1.000000000001' },
      { day: '2026-02-03', direction: 'unrecorded', billed: '3.000000000000' },
    ]);
    // Asked for this organization only, over the run's whole days.
    expect(asked.length).toBeGreaterThan(0);
    for (const a of asked)
      expect(a).toMatchObject({ organizationId: org, request: { from: '2026-02-01T00:00:00.000Z', to: '2026-02-05T00:00:00.000Z' } });

    const before = asked.length;
    await sync();
    await h.until(async () => asked.length > before, 'the reconciliation after the second run');
    await h.projected('provider_sync', 'read-models', 'provider-sync');
    expect(await discrepancies()).toHaveLength(3);

    // A late correction changes one day's figures: that day alone is reported again.
    openai.correct('2026-02-02', null, 'gpt-4o, input', '2');
    await sync();
    await h.until(async () => (await discrepancies()).length === 4, 'the report of the corrected day');
    expect((await discrepancies())[3]).toEqual({ day: '2026-02-02', direction: 'unrecorded', billed: '2.000000000000' });
  });

  it('rebuilds the same read models from the event store (rows and checkpoint dropped, every event replayed)', async () => {
    await h.projected('provider_sync', 'read-models', 'provider-sync');
    const tables = ['connections', 'sync_runs', 'cost_buckets', 'usage_buckets'];
    const snapshot = async () => {
      const out: Record<string, string[]> = {};
      for (const t of tables)
        out[t] = (await h.rows<{ r: string }>(`SELECT x::text AS r FROM provider_sync.${t} x ORDER BY 1`)).map((r) => r.r);
      return out;
    };
    const built = await snapshot();
    expect(built.sync_runs).toHaveLength(3);
    expect(built.cost_buckets).toHaveLength(3);

    await h.sql.query(
      `DELETE FROM provider_sync.connections; DELETE FROM provider_sync.sync_runs; DELETE FROM provider_sync.cost_buckets;
       DELETE FROM provider_sync.usage_buckets; DELETE FROM provider_sync.projection_checkpoints WHERE projection = 'read-models'`,
    );
    const projection = h.get(ProviderSyncProjection);
    let replayed = 0;
    for (let from = 0; ;) {
      const page = (await h.runtime.eventStore.readAll({ fromPosition: from, maxCount: 200 })) as RecordedEvent[];
      if (page.length === 0) break;
      for (const event of page) if (event.streamId.startsWith('provider-sync.') && (await projection.apply(event))) replayed++;
      from = page[page.length - 1].position;
    }
    expect(replayed).toBeGreaterThan(10);
    expect(await snapshot()).toEqual(built);
  });
});
