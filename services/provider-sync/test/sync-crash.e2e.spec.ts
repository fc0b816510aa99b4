import {
  Agent,
  createSession,
  createTestDatabase,
  FakeOpenAiServer,
  TestPlatform,
  type TestDatabase,
  type TestSession,
} from '@llmlab/testing';
import { Client } from 'pg';

const KEY = 'sk-admin-crash-test-0001';
const DAYS = 40;
const LINE_ITEMS = ['gpt-4o, input', 'gpt-4o, output', 'gpt-4o-mini, input'];
const dayOf = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

// kill -9 of provider-sync in the middle of a sync run: the restarted process resumes the run, and what it had
// imported before the crash is neither lost nor imported a second time.
describe('provider sync: crash mid-run', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let s: TestSession;
  let sql: Client;
  const openai = new FakeOpenAiServer();

  beforeAll(async () => {
    db = await createTestDatabase();
    await openai.start();
    openai.adminKeys.add(KEY);
    openai.bucketsPerPage = 1;
    for (let d = 0; d < DAYS; d++)
      for (const [i, lineItem] of LINE_ITEMS.entries())
        openai.costs.push({ day: dayOf(d), project: null, lineItem, amount: `${d + 1}.00000000000${i + 1}` });
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      services: ['gateway', 'auth', 'provider-sync'],
      env: { PROVIDER_SYNC_TRUSTED_ORIGINS: openai.url },
    });
    s = await createSession(platform.gatewayUrl);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await platform?.stop();
    await openai.stop();
    await db?.drop();
  }, 60_000);

  it('resumes after kill -9 without gaps or doubles', async () => {
    const agent: Agent = s.agent;
    const created = await agent.post(`/v1/organizations/${s.organizationId}/providers`, {
      provider: 'openai',
      name: 'crash',
      credentials: { adminKey: KEY },
      baseUrl: openai.url,
    });
    expect(created.status).toBe(201);
    const connectionId = created.body.connectionId as string;

    let killed: Promise<unknown> | null = null;
    openai.onPage = (path, page) => {
      if (path === '/v1/organization/costs' && page === 15 && !killed) killed = platform.stopService('provider-sync', 'SIGKILL');
    };
    const started = await agent.post(`/v1/providers/${connectionId}/sync`, {
      from: `${dayOf(0)}T00:00:00Z`,
      to: `${dayOf(DAYS)}T00:00:00Z`,
    });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    for (let i = 0; i < 300 && !killed; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await (killed as Promise<unknown> | null)).toMatchObject({ signal: 'SIGKILL' });
    // What the first process imported is in the event store (its read models may not all have caught up: the
    // projection runs in the process that was killed, and resumes from its checkpoint).
    const importedBefore = await sql.query<{ n: string }>(
      `SELECT coalesce(sum(jsonb_array_length(data->'buckets')), 0) AS n FROM event_store.events WHERE type = 'ProviderCostsImported' AND data->>'runId' = $1`,
      [runId],
    );
    expect(Number(importedBefore.rows[0].n)).toBeGreaterThan(0);
    expect(Number(importedBefore.rows[0].n)).toBeLessThan(DAYS * LINE_ITEMS.length);

    openai.onPage = null;
    await platform.startService('provider-sync');
    let run: { status: string; rowsImported: number; pagesFetched: number } | undefined;
    for (let i = 0; i < 600; i++) {
      const runs = await agent.get(`/v1/providers/${connectionId}/runs`);
      run = (runs.body as { runId: string; status: string; rowsImported: number; pagesFetched: number }[]).find((r) => r.runId === runId);
      if (run && run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run).toMatchObject({ status: 'completed', rowsImported: DAYS * LINE_ITEMS.length });

    // The run's counts are the events' (the projection's, not a write the crash could have skipped): rows are every
    // bucket the run's import events carry, across both processes; pages are what its completion counted, which
    // is every page of the range (the resumed process fetches them all again and imports only what is new).
    const events = await sql.query<{ type: string; rows: string; pages: string | null }>(
      `SELECT type, coalesce(jsonb_array_length(data->'buckets'), 0) AS rows, data->>'pagesFetched' AS pages
         FROM event_store.events WHERE data->>'runId' = $1 ORDER BY position`,
      [runId],
    );
    const completed = events.rows.filter((e) => e.type === 'ProviderSyncRunCompleted');
    expect(completed).toHaveLength(1);
    expect(run!.rowsImported).toBe(events.rows.reduce((n, e) => n + Number(e.rows), 0));
    expect(run!.pagesFetched).toBe(Number(completed[0].pages));
    expect(run!.pagesFetched).toBeGreaterThanOrEqual(DAYS);

    // Every bucket imported exactly once across both processes; totals exact.
    const imported = await sql.query<{ n: string }>(
      `SELECT coalesce(sum(jsonb_array_length(data->'buckets')), 0) AS n FROM event_store.events WHERE type = 'ProviderCostsImported' AND data->>'connectionId' = $1`,
      [connectionId],
    );
    expect(Number(imported.rows[0].n)).toBe(DAYS * LINE_ITEMS.length);
    const costs = await agent.get(
      `/v1/organizations/${s.organizationId}/provider-costs?from=${dayOf(0)}T00:00:00Z&to=${dayOf(DAYS)}T00:00:00Z&groupBy=day`,
    );
    expect(costs.status).toBe(200);
    expect(costs.body.rows).toHaveLength(DAYS);
    // sum over days d=1..40 of 3d + 0.000000000006 = 3 * 820 + 40 * 0.000000000006
    expect(costs.body.total).toBe('2460.000000000240');
  }, 180_000);
});
