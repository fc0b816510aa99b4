import { providerSyncSubjects as s, type SyncRunView } from '@llmlab/contracts';
import { FakeAnthropicServer, FakeOpenAiServer, ServiceHarness } from '@llmlab/testing';
import { v7 as uuidv7 } from 'uuid';
import { providerSyncEnv } from '../src/provider-sync.config';
import { ProviderSyncModule } from '../src/provider-sync.module';

const OPENAI_KEY = 'sk-admin-OPENAI-secret-9f3a';
const ANTHROPIC_KEY = 'sk-ant-admin01-SECRET-77b1';

// Booting and stopping the service in the hooks can take more than Jest's 5 s on a loaded machine.
jest.setTimeout(60_000);

class ProviderSyncHarness extends ServiceHarness {
  static async start(trusted: string[]): Promise<ProviderSyncHarness> {
    return new ProviderSyncHarness(
      await ServiceHarness.launch(
        { name: 'provider-sync', env: providerSyncEnv, module: ProviderSyncModule },
        { env: { PROVIDER_SYNC_TRUSTED_ORIGINS: trusted.join(','), PROVIDER_SYNC_HOUR_UTC: '3' } },
      ),
    );
  }
}

const context = (organizationId: string, role = 'owner') => ({ organizationId, actor: { type: 'user' as const, id: 'user-1' }, role });

describe('provider connections and sync (through the service subjects, against the fake providers)', () => {
  const openai = new FakeOpenAiServer();
  const anthropic = new FakeAnthropicServer();
  let h: ProviderSyncHarness;

  beforeAll(async () => {
    await Promise.all([openai.start(), anthropic.start()]);
    openai.adminKeys.add(OPENAI_KEY);
    anthropic.adminKeys.add(ANTHROPIC_KEY);
    h = await ProviderSyncHarness.start([openai.url, anthropic.url]);
  });
  afterAll(async () => {
    await h?.stop();
    await Promise.all([openai.stop(), anthropic.stop()]);
  });

  async function waitForRun(org: string, connectionId: string, runId: string): Promise<SyncRunView> {
    for (let i = 0; i < 300; i++) {
      const runs = await h.request(s.listRuns, { connectionId }, context(org));
      const run = runs.find((r) => r.runId === runId);
      if (run && run.status !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('run did not finish');
  }

  /** Starts a sync of the connection over `range` and waits for its run to end. */
  async function sync(org: string, connectionId: string, range: { from: string; to: string }): Promise<SyncRunView> {
    const { runId } = await h.request(s.startSync, { connectionId, ...range }, context(org));
    return waitForRun(org, connectionId, runId);
  }

  it('registers a connection after the provider accepted the key; refuses a refused key naming credentials.adminKey; untrusted baseUrl refused; another tenant 404', async () => {
    const org = uuidv7();
    const refused = await h.reply(
      s.registerConnection,
      { provider: 'openai', name: 'OpenAI', credentials: { adminKey: 'sk-admin-wrong-key' }, baseUrl: openai.url },
      context(org),
    );
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'PROVIDER_CREDENTIALS_REJECTED', errors: [{ field: '/credentials/adminKey' }] },
    });

    for (const baseUrl of ['http://169.254.169.254', 'http://127.0.0.1:1', 'https://evil.example.com', 'file:///etc/passwd']) {
      const ssrf = await h.reply(
        s.registerConnection,
        { provider: 'openai', name: 'x', credentials: { adminKey: OPENAI_KEY }, baseUrl },
        context(org),
      );
      expect(ssrf).toMatchObject({ ok: false, error: { code: 'PROVIDER_CONNECTION_INVALID', errors: [{ field: '/baseUrl' }] } });
    }

    const view = await h.request(
      s.registerConnection,
      { provider: 'openai', name: 'OpenAI prod', credentials: { adminKey: OPENAI_KEY }, baseUrl: openai.url },
      context(org),
    );
    expect(view).toMatchObject({ provider: 'openai', name: 'OpenAI prod', keyHint: '9f3a', baseUrl: openai.url, syncEnabled: true });
    expect(JSON.stringify(view)).not.toContain(OPENAI_KEY);
    expect(await h.reply(s.getConnection, { connectionId: view.connectionId }, context(uuidv7()))).toMatchObject({
      ok: false,
      error: { code: 'PROVIDER_CONNECTION_NOT_FOUND' },
    });
    expect(await h.reply(s.startSync, { connectionId: view.connectionId }, context(uuidv7()))).toMatchObject({
      ok: false,
      error: { code: 'PROVIDER_CONNECTION_NOT_FOUND' },
    });
    expect(await h.request(s.listConnections, {}, context(org))).toHaveLength(1);
    expect(await h.request(s.resolveOwner, { connectionId: view.connectionId }, context(org))).toEqual({ organizationId: org });

    const renamed = await h.request(
      s.updateConnection,
      { connectionId: view.connectionId, name: 'Renamed', credentials: { adminKey: OPENAI_KEY } },
      context(org),
    );
    expect(renamed).toMatchObject({ name: 'Renamed', keyHint: '9f3a' });
    await h.request(s.removeConnection, { connectionId: view.connectionId }, context(org));
    expect(await h.reply(s.getConnection, { connectionId: view.connectionId }, context(org))).toMatchObject({
      ok: false,
      error: { code: 'PROVIDER_CONNECTION_NOT_FOUND' },
    });
  });

  it('tests a connection with its stored key: accepted, then rejected once the provider revoked it, unreachable when it cannot tell; changes nothing', async () => {
    const org = uuidv7();
    const key = 'sk-admin-to-be-revoked-51c0';
    openai.adminKeys.add(key);
    const view = await h.request(
      s.registerConnection,
      { provider: 'openai', name: 'OpenAI test', credentials: { adminKey: key }, baseUrl: openai.url },
      context(org),
    );
    const asked = () => openai.requests.filter((r) => r.headers.authorization === `Bearer ${key}`).length;
    const before = asked();
    expect(await h.request(s.testConnection, { connectionId: view.connectionId }, context(org))).toMatchObject({
      outcome: 'accepted',
      detail: null,
    });
    expect(asked()).toBe(before + 1);

    openai.adminKeys.delete(key);
    const rejected = await h.request(s.testConnection, { connectionId: view.connectionId }, context(org));
    expect(rejected).toMatchObject({ outcome: 'rejected', detail: 'openai refused the admin key' });

    openai.adminKeys.add(key);
    openai.faults.push(...Array.from({ length: 5 }, () => ({ status: 500 as const })));
    const unreachable = await h.request(s.testConnection, { connectionId: view.connectionId }, context(org));
    expect(unreachable).toMatchObject({ outcome: 'unreachable', detail: expect.stringContaining('answered 500') });
    expect(JSON.stringify([rejected, unreachable])).not.toContain(key);

    expect(await h.reply(s.testConnection, { connectionId: view.connectionId }, context(uuidv7()))).toMatchObject({
      ok: false,
      error: { code: 'PROVIDER_CONNECTION_NOT_FOUND' },
    });
    expect(await h.request(s.getConnection, { connectionId: view.connectionId }, context(org))).toMatchObject({ revision: view.revision });
    expect(await h.request(s.listRuns, { connectionId: view.connectionId }, context(org))).toEqual([]);
  }, 60_000);

  it('imports exact dollars (cents converted, long decimals intact), re-syncs idempotently, appends a correction, never counts twice', async () => {
    const org = uuidv7();
    const project = uuidv7();
    anthropic.costs = [
      { day: '2026-03-01', project: 'wrkspc_1', lineItem: 'Claude Sonnet Input', model: 'claude-sonnet-4', amount: '12345.678901' },
      { day: '2026-03-02', project: null, lineItem: null, model: null, amount: '1' },
    ];
    anthropic.usage = [
      {
        day: '2026-03-01',
        project: 'wrkspc_1',
        model: 'claude-sonnet-4',
        kind: 'messages',
        inputTokens: 1000,
        outputTokens: 10,
        cachedInputTokens: 5,
        requests: 0,
      },
    ];
    openai.costs = [{ day: '2026-03-01', project: 'proj_x', lineItem: 'gpt-4o, input', amount: '0.123456789012' }];
    anthropic.bucketsPerPage = 2;
    const ant = await h.request(
      s.registerConnection,
      {
        provider: 'anthropic',
        name: 'Anthropic',
        credentials: { adminKey: ANTHROPIC_KEY },
        baseUrl: anthropic.url,
        mappings: [{ externalId: 'wrkspc_1', projectId: project }],
      },
      context(org),
    );
    const oai = await h.request(
      s.registerConnection,
      { provider: 'openai', name: 'OpenAI', credentials: { adminKey: OPENAI_KEY }, baseUrl: openai.url },
      context(org),
    );
    const range = { from: '2026-03-01T00:00:00Z', to: '2026-03-05T00:00:00Z' };

    const run = await sync(org, ant.connectionId, range);
    expect(run).toMatchObject({ status: 'completed', rowsImported: 3, error: null });
    expect(run.pagesFetched).toBe(4); // 4 days, 2 per page: 2 cost pages + 2 usage pages
    await sync(org, oai.connectionId, range);

    const byDay = await h.request(s.providerCosts, { ...range, groupBy: 'day' }, context(org));
    expect(byDay.rows).toEqual([
      { key: '2026-03-01', amount: '123.580245799012', currency: 'USD' },
      { key: '2026-03-02', amount: '0.010000000000', currency: 'USD' },
    ]);
    expect(byDay.total).toBe('123.590245799012');
    const byProject = await h.request(s.providerCosts, { ...range, groupBy: 'project' }, context(org));
    expect(byProject.rows).toEqual([
      { key: project, amount: '123.456789010000', currency: 'USD' },
      { key: null, amount: '0.133456789012', currency: 'USD' },
    ]);

    // Same figures: nothing new.
    const before = (await h.events('ProviderCostsImported')).length;
    const again = await sync(org, ant.connectionId, range);
    expect(again).toMatchObject({ status: 'completed', rowsImported: 0 });
    expect((await h.events('ProviderCostsImported')).length).toBe(before);

    // The provider corrects a figure late: one correction with the previous amount, the total replaced, not added.
    anthropic.correct('2026-03-02', null, null, '250');
    await sync(org, ant.connectionId, range);
    const corrections = (await h.events<{ buckets: { amount: string; previousAmount: string }[] }>('ProviderCostsCorrected')).filter((e) =>
      e.streamId.includes(ant.connectionId),
    );
    expect(corrections).toHaveLength(1);
    expect(corrections[0].data.buckets).toEqual([expect.objectContaining({ day: '2026-03-02', amount: '2.5', previousAmount: '0.01' })]);
    expect((await h.request(s.providerCosts, { ...range, groupBy: 'day' }, context(org))).total).toBe('126.080245799012');

    // Another tenant sees nothing.
    expect((await h.request(s.providerCosts, { ...range, groupBy: 'day' }, context(uuidv7()))).rows).toEqual([]);
  });

  it('retries 429 and 500 within a run; a provider that keeps failing fails the run with an error and no key', async () => {
    const org = uuidv7();
    const conn = await h.request(
      s.registerConnection,
      { provider: 'openai', name: 'OpenAI', credentials: { adminKey: OPENAI_KEY }, baseUrl: openai.url },
      context(org),
    );
    openai.faults.push({ status: 429, retryAfter: '0' }, { status: 500 });
    const ok = await sync(org, conn.connectionId, { from: '2026-03-01T00:00:00Z', to: '2026-03-03T00:00:00Z' });
    expect(ok.status).toBe('completed');
    openai.faults.push(...Array.from({ length: 5 }, () => ({ status: 500 as const })));
    const failed = await sync(org, conn.connectionId, { from: '2026-03-01T00:00:00Z', to: '2026-03-03T00:00:00Z' });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('500');
    expect(failed.error).not.toContain(OPENAI_KEY);
  }, 120_000);

  it('never stores or emits a credential in clear (events, read models)', async () => {
    const dump = await h.rows<{ data: string }>(`SELECT data::text || metadata::text AS data FROM event_store.events`);
    const text = dump.map((r) => r.data).join('\n');
    expect(text).toContain('aes-256-gcm');
    for (const key of [OPENAI_KEY, ANTHROPIC_KEY]) expect(text).not.toContain(key);
    for (const table of ['connections', 'sync_runs', 'cost_buckets', 'usage_buckets']) {
      const rows = await h.rows<{ r: string }>(`SELECT t::text AS r FROM provider_sync.${table} t`);
      for (const key of [OPENAI_KEY, ANTHROPIC_KEY]) expect(rows.map((r) => r.r).join('\n')).not.toContain(key);
    }
  });
});
