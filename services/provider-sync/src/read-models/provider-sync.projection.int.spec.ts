import type { ProviderSyncContextEvent, RecordedEvent } from '@llmlab/contracts';
import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { ProviderSyncProjection } from './provider-sync.projection';

const TABLES = {
  connections: 'connection_id',
  sync_runs: 'run_id',
  cost_buckets: 'connection_id, day, external_project_id, model, line_item',
  usage_buckets: 'connection_id, day, external_project_id, model, kind',
} as const;

describe('provider-sync read-model projection (PostgreSQL, as llmlab_app)', () => {
  let db: TestDatabase;
  let app: Pool;
  let owner: Pool;
  let projection: ProviderSyncProjection;
  const recorded: RecordedEvent[] = [];
  const revisions = new Map<string, number>();
  const [org, connectionId, runId, failedRunId, project] = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 10, 12, minute)).toISOString();

  function record(stream: string, event: ProviderSyncContextEvent): RecordedEvent {
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    const e = {
      ...event,
      id: uuidv7(),
      version: 1,
      metadata: { actor: { type: 'system', id: 'provider-sync' }, correlationId: 't' },
      streamId: stream,
      revision,
      position: recorded.length + 1,
      recordedAt: at(recorded.length),
    } as RecordedEvent;
    recorded.push(e);
    return e;
  }

  /** Every read-model row, in a stable order, as text: what a rebuild must reproduce exactly. */
  async function snapshot(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const [table, key] of Object.entries(TABLES)) {
      const { rows } = await owner.query<{ r: string }>(`SELECT t::text AS r FROM provider_sync.${table} t ORDER BY ${key}`);
      out[table] = rows.map((row) => row.r);
    }
    return out;
  }

  /** Applies an event as the consumer does, then delivers it again: the second time must change nothing. */
  async function applyTwice(stream: string, event: ProviderSyncContextEvent): Promise<Record<string, string[]>> {
    const e = record(stream, event);
    expect(await projection.apply(e)).toBe(true);
    const after = await snapshot();
    expect(await projection.apply(e)).toBe(false);
    expect(await snapshot()).toEqual(after);
    return after;
  }

  const query = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => (await owner.query<T>(sql, params)).rows;
  const connection = `provider-sync.connection-${connectionId}`;
  const imports = `provider-sync.imports-${connectionId}`;
  const base = { connectionId, organizationId: org };
  const sealed = { algorithm: 'aes-256-gcm' as const, ciphertext: 'c2VhbGVk' };
  const cost = (day: string, lineItem: string, amount: string) => ({
    day,
    externalProjectId: 'proj_1',
    projectId: project,
    model: 'gpt-4o',
    lineItem,
    amount,
    currency: 'USD' as const,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 3 });
    owner = new Pool({ connectionString: db.url, max: 2 });
    projection = new ProviderSyncProjection(app);
  });
  afterAll(async () => {
    await app.end();
    await owner.end();
    await db.drop();
  });

  it('projects every connection event once, keeping the stream revision and never a credential', async () => {
    await applyTwice(connection, {
      type: 'ProviderConnectionRegistered',
      data: {
        ...base,
        provider: 'openai',
        name: 'OpenAI',
        baseUrl: null,
        credentials: sealed,
        keyHint: 'ab12',
        mappings: [],
        syncEnabled: true,
        registeredBy: 'user:u1',
        registeredAt: at(0),
      },
    });
    await applyTwice(connection, { type: 'ProviderConnectionRenamed', data: { ...base, name: 'OpenAI prod', at: at(1) } });
    await applyTwice(connection, {
      type: 'ProviderConnectionCredentialsRotated',
      data: { ...base, credentials: sealed, keyHint: 'cd34', rotatedBy: 'user:u1', at: at(2) },
    });
    await applyTwice(connection, {
      type: 'ProviderConnectionMappingsChanged',
      data: { ...base, mappings: [{ externalId: 'proj_1', projectId: project }], at: at(3) },
    });
    await applyTwice(connection, { type: 'ProviderConnectionSyncEnabledChanged', data: { ...base, syncEnabled: false, at: at(4) } });
    expect(
      await query(`SELECT name, key_hint, mappings, sync_enabled, revision, removed, synced_until FROM provider_sync.connections`),
    ).toEqual([
      {
        name: 'OpenAI prod',
        key_hint: 'cd34',
        mappings: [{ externalId: 'proj_1', projectId: project }],
        sync_enabled: false,
        revision: 4,
        removed: false,
        synced_until: null,
      },
    ]);
    expect(JSON.stringify(await snapshot())).not.toContain(sealed.ciphertext);
  });

  it('projects a run: start, imported and corrected costs, usage, then completion with the events’ counts and the watermark', async () => {
    const started = {
      runId,
      ...base,
      provider: 'openai' as const,
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-04T00:00:00.000Z',
      trigger: 'manual' as const,
      startedAt: at(5),
    };
    await applyTwice(imports, { type: 'ProviderSyncRunStarted', data: started });
    const page = { runId, ...base, provider: 'openai' as const };
    await applyTwice(imports, {
      type: 'ProviderCostsImported',
      data: { ...page, page: 1, buckets: [cost('2026-03-01', 'input', '1.123456789012'), cost('2026-03-02', 'input', '2')] },
    });
    await applyTwice(imports, {
      type: 'ProviderCostsCorrected',
      data: { ...page, page: 2, buckets: [{ ...cost('2026-03-02', 'input', '2.5'), previousAmount: '2' }] },
    });
    const usage = {
      day: '2026-03-01',
      externalProjectId: null,
      projectId: null,
      model: 'gpt-4o',
      kind: 'completions',
      inputTokens: 1_000,
      outputTokens: 20,
      cachedInputTokens: 5,
      requests: 3,
    };
    await applyTwice(imports, { type: 'ProviderUsageImported', data: { ...page, page: 3, buckets: [usage] } });
    expect(await query(`SELECT status, pages_fetched, rows_imported FROM provider_sync.sync_runs WHERE run_id = $1`, [runId])).toEqual([
      { status: 'running', pages_fetched: 3, rows_imported: 4 },
    ]);
    await applyTwice(imports, {
      type: 'ProviderSyncRunCompleted',
      data: { runId, ...base, pagesFetched: 4, rowsImported: 4, completedAt: at(9) },
    });

    expect(
      await query(`SELECT status, pages_fetched, rows_imported, error, finished_at FROM provider_sync.sync_runs WHERE run_id = $1`, [
        runId,
      ]),
    ).toEqual([{ status: 'completed', pages_fetched: 4, rows_imported: 4, error: null, finished_at: new Date(at(9)) }]);
    expect(await query(`SELECT synced_until FROM provider_sync.connections`)).toEqual([{ synced_until: new Date(started.to) }]);
    expect(
      await query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, amount::text, project_id, organization_id, provider FROM provider_sync.cost_buckets ORDER BY day`,
      ),
    ).toEqual([
      { day: '2026-03-01', amount: '1.123456789012', project_id: project, organization_id: org, provider: 'openai' },
      { day: '2026-03-02', amount: '2.500000000000', project_id: project, organization_id: org, provider: 'openai' },
    ]);
    expect(
      await query(
        `SELECT external_project_id, model, kind, input_tokens::int, output_tokens::int, cached_tokens::int, requests::int FROM provider_sync.usage_buckets`,
      ),
    ).toEqual([
      {
        external_project_id: '',
        model: 'gpt-4o',
        kind: 'completions',
        input_tokens: 1_000,
        output_tokens: 20,
        cached_tokens: 5,
        requests: 3,
      },
    ]);
  });

  it('projects a failed run without moving the watermark, ignores the reconciliation events, and a removal', async () => {
    await applyTwice(imports, {
      type: 'ProviderSyncRunStarted',
      data: {
        runId: failedRunId,
        ...base,
        provider: 'openai',
        from: '2026-03-03T00:00:00.000Z',
        to: '2026-03-09T00:00:00.000Z',
        trigger: 'schedule',
        startedAt: at(10),
      },
    });
    await applyTwice(imports, {
      type: 'ProviderSyncRunFailed',
      data: { runId: failedRunId, ...base, pagesFetched: 1, rowsImported: 0, error: 'openai answered 500', failedAt: at(11) },
    });
    expect(await query(`SELECT status, pages_fetched, error FROM provider_sync.sync_runs WHERE run_id = $1`, [failedRunId])).toEqual([
      { status: 'failed', pages_fetched: 1, error: 'openai answered 500' },
    ]);
    expect(await query(`SELECT synced_until FROM provider_sync.connections`)).toEqual([
      { synced_until: new Date('2026-03-04T00:00:00.000Z') },
    ]);

    const before = await snapshot();
    const money = (amount: string) => ({ amount, currency: 'USD' as const });
    expect(
      await applyTwice(`provider-sync.reconciliation-${org}`, {
        type: 'ReconciliationDiscrepancyDetected',
        data: {
          organizationId: org,
          provider: 'openai',
          day: '2026-03-01',
          direction: 'unrecorded',
          recorded: money('0'),
          billed: money('1.12'),
          difference: money('1.12'),
          detectedAt: at(12),
        },
      }),
    ).toEqual(before);
    expect(
      await applyTwice(`provider-sync.reconciliation-settings-${org}`, {
        type: 'ReconciliationSettingsUpdated',
        data: { organizationId: org, tolerance: { percent: '2', amount: '1' }, updatedBy: 'user:u1', updatedAt: at(13) },
      }),
    ).toEqual(before);

    await applyTwice(connection, { type: 'ProviderConnectionRemoved', data: { ...base, removedBy: 'user:u1', at: at(14) } });
    expect(await query(`SELECT removed, revision FROM provider_sync.connections`)).toEqual([{ removed: true, revision: 5 }]);
  });

  it('rebuilds the same rows from the events: read models and checkpoint dropped, every event replayed in order', async () => {
    const built = await snapshot();
    expect(built.cost_buckets).toHaveLength(2);
    await owner.query(
      `DELETE FROM provider_sync.connections; DELETE FROM provider_sync.sync_runs; DELETE FROM provider_sync.cost_buckets;
       DELETE FROM provider_sync.usage_buckets; DELETE FROM provider_sync.projection_checkpoints WHERE projection = 'read-models'`,
    );
    expect(Object.values(await snapshot()).flat()).toEqual([]);
    for (const event of recorded) expect(await projection.apply(event)).toBe(true);
    expect(await snapshot()).toEqual(built);
  });
});
