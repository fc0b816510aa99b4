import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { PostgresEventStore } from '@llmlab/event-store';
import {
  createSession,
  eventually,
  expectProblem,
  joinOrganization,
  ledgerUsageRecords,
  platformUsageLedgerKeys,
  signUp,
  startPlatformSession,
  usageEvent,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { Pool } from 'pg';

jest.setTimeout(240_000);

const run = promisify(execFile);

// Issue 14, end users: the id a usage event names is never in the ledger (a keyed pseudonym is), the read models
// show it until the end user is erased, and afterwards nothing readable of it is left anywhere (database dump,
// JetStream, Redis, logs, exports) while costs, totals, an end-user budget and the audit chain are unchanged.
describe('erasure of an end user', () => {
  let session: PlatformSession;
  let owner: TestSession;
  let other: TestSession;
  const ada = `ada-${randomBytes(4).toString('hex')}@customer.example`;
  const bob = `bob-${randomBytes(4).toString('hex')}@customer.example`;
  const from = new Date(Date.now() - 86_400_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const traceId = randomBytes(16).toString('hex');
  let budgetId = '';

  const byUser = async () => {
    const res = await owner.agent.get(`/v1/projects/${owner.projectId}/costs/breakdown?groupBy=user&${range}`);
    expect(res.status).toBe(200);
    return new Map<string | null, { cost: { amount: string }; requests: number }>(
      (res.body.rows as { key: string | null; cost: { amount: string }; requests: number }[]).map((r) => [r.key, r]),
    );
  };
  const summary = async () => (await owner.agent.get(`/v1/projects/${owner.projectId}/costs/summary?${range}`)).body.current;

  beforeAll(async () => {
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion', 'alerts', 'audit'] });
    owner = await createSession(session.platform.gatewayUrl, { organizationName: 'Customer Co' });
    other = await createSession(session.platform.gatewayUrl, { organizationName: 'Other tenant' });
    // A budget for Bob alone, before his usage: it is keyed by the ledgers' pseudonym of his id. (A budget's own
    // events keep the id it names: docs/security.md, "Erasure of an end user".)
    const budget = await owner.agent.post(`/v1/organizations/${owner.organizationId}/budgets`, {
      name: 'Bob',
      scope: { type: 'end_user', userId: bob },
      period: 'monthly',
      amount: { amount: '0.001', currency: 'USD' },
      thresholds: [100],
    });
    expect(budget.status).toBe(201);
    expect(budget.body.scope).toEqual({ type: 'end_user', userId: bob });
    budgetId = budget.body.id;

    const events = [
      ...Array.from({ length: 3 }, () => usageEvent({ userId: ada, traceId, spanId: randomBytes(8).toString('hex') })),
      ...Array.from({ length: 2 }, () => usageEvent({ userId: bob })),
      usageEvent(),
    ];
    expect((await owner.keyAgent.post('/v1/usage', { events })).status).toBe(202);
    await eventually(async () => (await summary())?.requests === 6, 'the usage in the read models');
  });

  afterAll(() => session?.stop());

  it('keeps a pseudonym in the ledger and the id in the read models, until erasure', async () => {
    // The ledger's records are sealed (retention's month keys); opened with the keys the other services get.
    const keys = platformUsageLedgerKeys(session.platform.natsPrefix);
    const records = await ledgerUsageRecords(session.pool, owner.projectId, keys).finally(() => keys.onApplicationShutdown());
    expect(records.filter((r) => r.endUser !== undefined)).toHaveLength(5);
    expect(records.every((r) => r.userId === undefined)).toBe(true);
    expect(JSON.stringify(records)).not.toContain(ada);
    const stored = await session.pool.query(`SELECT data FROM event_store.events WHERE stream_id = $1`, [
      `ingestion.usage-${owner.projectId}`,
    ]);
    expect(JSON.stringify(stored.rows)).not.toContain(ada);

    const users = await byUser();
    expect(users.get(ada)?.requests).toBe(3);
    expect(users.get(bob)?.requests).toBe(2);
    const page = await owner.agent.get(`/v1/projects/${owner.projectId}/usage?${range}&userId=${encodeURIComponent(ada)}`);
    expect(page.body.data).toHaveLength(3);
    // The end-user budget found Bob's spend through the pseudonym: its threshold fired.
    await eventually(async () => {
      const alerts = await owner.agent.get(`/v1/organizations/${owner.organizationId}/alerts?budgetId=${budgetId}`);
      return alerts.body.data?.length === 1;
    }, "the end-user budget's alert");
  });

  it('is refused to another tenant, to a member and to an API key', async () => {
    const path = `/v1/projects/${owner.projectId}/end-users/${encodeURIComponent(ada)}/erase`;
    expect([403, 404]).toContain((await other.agent.post(path, {})).status);
    expect((await owner.keyAgent.post(path, {})).status).toBe(403);
    const member = await signUp(session.platform.gatewayUrl);
    await joinOrganization(session.platform.mailbox, owner.agent, owner.organizationId, member, 'member');
    expect((await member.agent.post(path, {})).status).toBe(403);
    expectProblem(await owner.agent.post(`/v1/projects/${owner.projectId}/end-users/${'x'.repeat(300)}/erase`, {}), 414, 'URI_TOO_LONG');
    expect((await byUser()).get(ada)?.requests).toBe(3);
  });

  it('re-keys the records, rollups and traces to a marker, with costs and totals unchanged', async () => {
    const before = { summary: await summary(), users: await byUser() };
    const erased = await owner.agent.post(`/v1/projects/${owner.projectId}/end-users/${encodeURIComponent(ada)}/erase`, {});
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      marker: expect.stringMatching(/^\[erased eu_[0-9a-f]{32}\]$/),
      records: 3,
      traces: 1,
      contents: 0,
    });
    const marker = erased.body.marker as string;

    expect(await summary()).toEqual(before.summary);
    const after = await byUser();
    expect(after.has(ada)).toBe(false);
    expect(after.get(marker)).toEqual({ ...before.users.get(ada), key: marker });
    expect(after.get(bob)).toEqual(before.users.get(bob));
    const records = await owner.agent.get(`/v1/projects/${owner.projectId}/usage?${range}&limit=100`);
    expect(records.body.data.filter((r: { userId: string | null }) => r.userId === marker)).toHaveLength(3);
    const trace = await owner.agent.get(`/v1/projects/${owner.projectId}/traces/${traceId}`);
    expect(trace.body.userId).toBe(marker);
    // Bob's budget keeps its spend: his records were not touched.
    const budget = await owner.agent.get(`/v1/budgets/${budgetId}`);
    expect(Number(budget.body.current.spend.amount)).toBe(Number(before.users.get(bob)?.cost.amount));

    // Again: nothing left to erase, the same marker.
    const again = await owner.agent.post(`/v1/projects/${owner.projectId}/end-users/${encodeURIComponent(ada)}/erase`, {});
    expect(again.body).toEqual({ marker, records: 0, traces: 0, contents: 0 });
    const recorded = await session.pool.query<{ data: Record<string, unknown> }>(
      `SELECT data FROM event_store.events WHERE stream_id = $1 ORDER BY revision`,
      [`ingestion.end-users-${owner.projectId}`],
    );
    expect(recorded.rows.map((r) => r.data)).toEqual([
      expect.objectContaining({ endUser: marker.slice(8, -1), records: 3, traces: 1, contents: 0, erasedBy: `user:${owner.id}` }),
      expect.objectContaining({ endUser: marker.slice(8, -1), records: 0 }),
    ]);
  });

  it('leaves no readable copy of the id: database dump, JetStream, Redis, logs, exports', async () => {
    const csv = await owner.agent.get(`/v1/projects/${owner.projectId}/usage/export?${range}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.body).toContain(bob);
    expect(csv.body).not.toContain(ada);
    const audit = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export?format=jsonl`);
    expect(audit.status).toBe(200);
    expect(String(audit.body)).not.toContain(ada);
    expect(await session.platform.scanForPersonalData([ada])).toEqual([]);
    const { stdout } = await run('pg_dump', ['--dbname', session.db.url, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
    expect(stdout).toContain(bob);
    expect(stdout).not.toContain(ada);
  });

  it('keeps the event store chain valid', async () => {
    const store = new PostgresEventStore(new Pool({ connectionString: session.db.url, max: 1 }), { ownsPool: true });
    try {
      expect(await store.verify()).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });
});
