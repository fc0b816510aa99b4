import type { Pool } from 'pg';
import {
  createSession,
  eventually,
  expectProblem,
  joinOrganization,
  signUp,
  startPlatformSession,
  type Agent,
  type HttpResult,
  type PlatformSession,
  type SignedUpUser,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(180_000);

interface RetentionRow {
  organization_id: string;
  retention_days: number | null;
  revision: string;
  updated_at: Date;
}

// Usage retention end to end: the organization's setting (null, forever, by default; 30 to 3650 days otherwise)
// read and changed through the gateway with its ETag, owners and admins only, every change on the organization's
// stream by whom, and the `ingestion.usage_retention` read model the maintenance job reads, projected from it.
describe('usage retention through the platform', () => {
  let session: PlatformSession;
  let sql: Pool;
  let owner: TestSession;
  let foreign: TestSession;
  let admin: SignedUpUser;
  let member: SignedUpUser;
  let viewer: SignedUpUser;

  const path = () => `/v1/organizations/${owner.organizationId}/usage-retention`;
  const put = (agent: Agent, body: unknown, ifMatch?: string): Promise<HttpResult> =>
    agent.request('PUT', path(), body, ifMatch === undefined ? {} : { 'if-match': ifMatch });

  const rows = async () =>
    (
      await sql.query<RetentionRow>(
        `SELECT organization_id, retention_days, revision, updated_at FROM ingestion.usage_retention WHERE organization_id = $1`,
        [owner.organizationId],
      )
    ).rows;
  /** The read model's row once the projection applied the change of that revision. */
  const rowAt = (revision: number) =>
    eventually(
      async () => (await rows()).find((r) => Number(r.revision) === revision),
      `the usage_retention row at revision ${revision}`,
      30_000,
    );

  beforeAll(async () => {
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion'] });
    sql = session.pool;
    const url = session.platform.gatewayUrl;
    owner = await createSession(url);
    foreign = await createSession(url);
    [admin, member, viewer] = [await signUp(url), await signUp(url), await signUp(url)];
    for (const [user, role] of [
      [admin, 'admin'],
      [member, 'member'],
      [viewer, 'viewer'],
    ] as const) {
      await joinOrganization(session.platform.mailbox, owner.agent, owner.organizationId, user, role);
    }
  }, 180_000);
  afterAll(() => session?.stop(), 60_000);

  it('keeps usage detail forever until an owner or admin says otherwise', async () => {
    for (const agent of [owner.agent, admin.agent]) {
      const read = await agent.get(path());
      expect({ status: read.status, etag: read.headers.get('etag'), body: read.body }).toEqual({
        status: 200,
        etag: '"-1"',
        body: { organizationId: owner.organizationId, usageRetentionDays: null, revision: -1 },
      });
    }
    expect(await rows()).toEqual([]);
  });

  it('lets only owners and admins read and change it, never an API key', async () => {
    for (const agent of [member.agent, viewer.agent, owner.keyAgent]) {
      expectProblem(await agent.get(path()), 403, 'FORBIDDEN');
      expectProblem(await put(agent, { usageRetentionDays: 45 }, '"-1"'), 403, 'FORBIDDEN');
    }
    expect((await owner.agent.get(path())).body).toMatchObject({ usageRetentionDays: null, revision: -1 });
  });

  it('refuses what is not null nor a whole number of days from 30 to 3650, naming the field', async () => {
    for (const days of [29, 3651, 1.5, 'x', '45', true]) {
      expectProblem(await put(owner.agent, { usageRetentionDays: days }, '"-1"'), 400, 'VALIDATION_FAILED', '/usageRetentionDays');
    }
    // The whole setting, always: forever is said with null, never implied by a missing field.
    expectProblem(await put(owner.agent, {}, '"-1"'), 400, 'VALIDATION_FAILED', '/usageRetentionDays');
    expectProblem(await put(owner.agent, { usageRetentionDays: 45, organizationId: foreign.organizationId }), 400, 'VALIDATION_FAILED');
    expectProblem(await put(owner.agent, { usageRetentionDays: 45 }, 'W/"x"'), 400, 'VALIDATION_FAILED', '/headers/if-match');
    // None of the refusals changed anything.
    expect((await owner.agent.get(path())).body).toMatchObject({ usageRetentionDays: null, revision: -1 });
    expect(await rows()).toEqual([]);
  });

  it('sets 45 days with If-Match, answers the new ETag, refuses a stale one, and projects the read model', async () => {
    const set = await put(owner.agent, { usageRetentionDays: 45 }, '"-1"');
    expect({ status: set.status, etag: set.headers.get('etag'), body: set.body }).toEqual({
      status: 200,
      etag: '"0"',
      body: { organizationId: owner.organizationId, usageRetentionDays: 45, revision: 0 },
    });
    const read = await admin.agent.get(path());
    expect({ etag: read.headers.get('etag'), body: read.body }).toEqual({
      etag: '"0"',
      body: { organizationId: owner.organizationId, usageRetentionDays: 45, revision: 0 },
    });

    // The admin read "-1" before the owner's change: its write must not apply (409, as every If-Match of the API).
    expectProblem(await put(admin.agent, { usageRetentionDays: 90 }, '"-1"'), 409, 'CONCURRENCY_CONFLICT');
    // Setting what is set appends nothing: same revision, same ETag.
    const same = await put(admin.agent, { usageRetentionDays: 45 }, '"0"');
    expect({ status: same.status, etag: same.headers.get('etag') }).toEqual({ status: 200, etag: '"0"' });

    const row = await rowAt(0);
    expect(row).toMatchObject({ organization_id: owner.organizationId, retention_days: 45 });
    expect(row.updated_at).toBeInstanceOf(Date);
  });

  it('goes back to forever with null (without If-Match too), each change recorded by whom', async () => {
    const forever = await put(admin.agent, { usageRetentionDays: null }, '"0"');
    expect({ status: forever.status, etag: forever.headers.get('etag'), body: forever.body }).toEqual({
      status: 200,
      etag: '"1"',
      body: { organizationId: owner.organizationId, usageRetentionDays: null, revision: 1 },
    });
    expect(await rowAt(1)).toMatchObject({ retention_days: null });
    // Kept forever: not among the organizations whose detail expires.
    const expiring = await sql.query(`SELECT 1 FROM ingestion.usage_retention WHERE organization_id = $1 AND retention_days IS NOT NULL`, [
      owner.organizationId,
    ]);
    expect(expiring.rows).toEqual([]);

    // If-Match is optional: without it the change applies to whatever is current.
    const bounds = await put(owner.agent, { usageRetentionDays: 3650 });
    expect({ status: bounds.status, body: bounds.body }).toEqual({
      status: 200,
      body: { organizationId: owner.organizationId, usageRetentionDays: 3650, revision: 2 },
    });
    expect(await rowAt(2)).toMatchObject({ retention_days: 3650 });

    const { rows: events } = await sql.query<{ type: string; data: Record<string, unknown> }>(
      `SELECT type, data FROM event_store.events WHERE stream_id = $1 ORDER BY revision`,
      [`ingestion.usage-retention-${owner.organizationId}`],
    );
    const common = { organizationId: owner.organizationId, changedAt: expect.any(String) };
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['UsageRetentionChanged', { ...common, usageRetentionDays: 45, changedBy: `user:${owner.id}` }],
      ['UsageRetentionChanged', { ...common, usageRetentionDays: null, changedBy: `user:${admin.id}` }],
      ['UsageRetentionChanged', { ...common, usageRetentionDays: 3650, changedBy: `user:${owner.id}` }],
    ]);
  });

  it("keeps another tenant away: its owner and its key are refused the organization's setting", async () => {
    const refusal = (await foreign.agent.get(path())).status;
    expect([403, 404]).toContain(refusal);
    for (const agent of [foreign.agent, foreign.keyAgent]) {
      for (const res of [
        await agent.get(path()),
        await put(agent, { usageRetentionDays: 30 }, '"2"'),
        await put(agent, { usageRetentionDays: 30 }),
      ]) {
        expect(res.status).toBe(refusal);
        expect(JSON.stringify(res.body)).not.toContain('3650');
      }
    }
    // Its own organization's setting is its own: the default, untouched by the victim's changes.
    expect((await foreign.agent.get(`/v1/organizations/${foreign.organizationId}/usage-retention`)).body).toEqual({
      organizationId: foreign.organizationId,
      usageRetentionDays: null,
      revision: -1,
    });
    expect((await owner.agent.get(path())).body).toMatchObject({ usageRetentionDays: 3650, revision: 2 });
    expect(await rowAt(2)).toMatchObject({ retention_days: 3650 });
  });
});
