import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { TraceSummary } from '@llmlab/contracts';
import {
  createSession,
  expectProblem,
  joinOrganization,
  signUp,
  startPlatformSession,
  type PlatformSession,
  type SignedUpUser,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(180_000);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

// The trace and session routes end to end: HTTP in through the gateway (validation, access), the ingestion service's
// queries over the traces read model (rows written as the projection writes them), another tenant kept out.
describe('trace and session routes through the gateway', () => {
  let session: PlatformSession;
  let sql: Pool;
  let owner: TestSession;
  let foreign: TestSession;
  let viewer: SignedUpUser;
  const base = Date.now() - 3_600_000;
  const at = (ms: number) => new Date(base + ms).toISOString();
  const traceIds = Array.from({ length: 5 }, () => hex(16));
  const [root, child] = [hex(8), hex(8)];

  const insertTrace = (t: TestSession, traceId: string, i: number) =>
    sql.query(
      `INSERT INTO ingestion.traces (organization_id, project_id, trace_id, name, started_at, ended_at, span_count, model_calls,
         cost, session_id, flags, error_spans, last_activity_at)
       VALUES ($1, $2, $3, $4, $5, $6, 2, 1, $7, $8, $9, $10, now())`,
      [
        t.organizationId,
        t.projectId,
        traceId,
        `run-${i}`,
        at(i * 1000),
        at(i * 1000 + 500),
        `0.00000000000${i + 1}`,
        i < 2 ? 'conversation-1' : null,
        i === 0 ? ['tool_loop'] : [],
        i === 0 ? 1 : 0,
      ],
    );

  beforeAll(async () => {
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion'] });
    sql = session.pool;
    const url = session.platform.gatewayUrl;
    owner = await createSession(url);
    foreign = await createSession(url);
    viewer = await signUp(url);
    await joinOrganization(session.platform.mailbox, owner.agent, owner.organizationId, viewer, 'viewer');
    for (const [i, traceId] of traceIds.entries()) await insertTrace(owner, traceId, i);
    // The foreign tenant used the same trace id: its own trace.
    await insertTrace(foreign, traceIds[0], 9);
    for (const [spanId, parent, start] of [
      [root, null, 0],
      [child, root, 100],
    ] as const) {
      await sql.query(
        `INSERT INTO ingestion.trace_spans (project_id, trace_id, span_id, parent_span_id, name, kind, category, start_time,
           end_time, status, source, recorded_position)
         VALUES ($1, $2, $3, $4, $5, 'internal', 'other', $6, $7, 'ok', 'otlp', 1)`,
        [owner.projectId, traceIds[0], spanId, parent, `span-${spanId}`, at(start), at(start + 50)],
      );
    }
    await sql.query(
      `INSERT INTO ingestion.trace_flags (project_id, trace_id, type, span_ids, summary, figures, detected_at)
       VALUES ($1, $2, 'tool_loop', $3, 'looped', '{"calls": 5}', now())`,
      [owner.projectId, traceIds[0], [child]],
    );
  }, 180_000);
  afterAll(() => session?.stop(), 60_000);

  const traces = (t: { projectId: string }) => `/v1/projects/${t.projectId}/traces`;

  it('lists the traces newest first, a page at a time, to the owner, its key and a viewer', async () => {
    for (const agent of [owner.agent, owner.keyAgent, viewer.agent]) {
      const seen: TraceSummary[] = [];
      let next = `${traces(owner)}?limit=2`;
      for (;;) {
        const res = await agent.get(next);
        expect(res.status).toBe(200);
        seen.push(...res.body.data);
        if (!res.body.nextCursor) break;
        next = `${traces(owner)}?limit=2&cursor=${encodeURIComponent(res.body.nextCursor)}`;
      }
      expect(seen.map((t) => t.traceId)).toEqual([...traceIds].reverse());
    }
    const flagged = await owner.agent.get(`${traces(owner)}?flag=tool_loop&status=error&minCost=0.000000000001`);
    expect(flagged.body.data.map((t: TraceSummary) => [t.traceId, t.name, t.flags, t.status, t.cost.amount])).toEqual([
      [traceIds[0], 'run-0', ['tool_loop'], 'error', '0.000000000001'],
    ]);
  });

  it('opens a trace with its span tree and flags', async () => {
    const res = await viewer.agent.get(`${traces(owner)}/${traceIds[0]}`);
    expect(res.status).toBe(200);
    expect(res.body.spans.map((s: { spanId: string; depth: number; flags: string[] }) => [s.spanId, s.depth, s.flags])).toEqual([
      [root, 0, []],
      [child, 1, ['tool_loop']],
    ]);
    expect(res.body.flagDetails).toEqual([{ type: 'tool_loop', spanIds: [child], summary: 'looped', figures: { calls: 5 } }]);
  });

  it('lists and opens sessions', async () => {
    const list = await owner.keyAgent.get(`/v1/projects/${owner.projectId}/sessions`);
    expect(list.status).toBe(200);
    expect(list.body.data).toMatchObject([
      { sessionId: 'conversation-1', traces: 2, flaggedTraces: 1, cost: { amount: '0.000000000003' } },
    ]);
    const one = await viewer.agent.get(`/v1/projects/${owner.projectId}/sessions/conversation-1`);
    expect(one.body.traceList.map((t: TraceSummary) => t.traceId)).toEqual(traceIds.slice(0, 2));
    expectProblem(await owner.agent.get(`/v1/projects/${owner.projectId}/sessions/unknown`), 404, 'SESSION_NOT_FOUND');
  });

  it("never shows another tenant's trace or session: 404 with its own key on its own project, refused on the victim's", async () => {
    const mine = await foreign.keyAgent.get(`${traces(foreign)}/${traceIds[0]}`);
    expect(mine.body).toMatchObject({ traceId: traceIds[0], name: 'run-9' });
    expect(mine.body.spans).toEqual([]);
    expectProblem(await foreign.keyAgent.get(`${traces(foreign)}/${traceIds[1]}`), 404, 'TRACE_NOT_FOUND');
    expectProblem(await foreign.agent.get(`/v1/projects/${foreign.projectId}/sessions/conversation-1`), 404, 'SESSION_NOT_FOUND');
    expect((await foreign.keyAgent.get(traces(foreign))).body.data.map((t: TraceSummary) => t.traceId)).toEqual([traceIds[0]]);
    for (const agent of [foreign.agent, foreign.keyAgent]) {
      for (const path of [traces(owner), `${traces(owner)}/${traceIds[1]}`, `/v1/projects/${owner.projectId}/sessions/conversation-1`]) {
        const res = await agent.get(path);
        expect([403, 404]).toContain(res.status);
        expect(JSON.stringify(res.body)).not.toContain('run-1');
      }
    }
  });

  it('refuses bad input with a 400 naming the field', async () => {
    expectProblem(await owner.agent.get(`${traces(owner)}/not-a-trace`), 400, 'VALIDATION_FAILED', '/traceId');
    expectProblem(await owner.agent.get(`${traces(owner)}/${traceIds[0].toUpperCase()}`), 400, 'VALIDATION_FAILED', '/traceId');
    for (const [query, field] of [
      ['flag=nope', '/flag'],
      ['minCost=-1', '/minCost'],
      ['minCost=1e3', '/minCost'],
      ['tag=novalue', '/tag'],
      ['status=failed', '/status'],
      ['limit=201', '/limit'],
      ['from=yesterday', '/from'],
    ]) {
      expectProblem(await owner.agent.get(`${traces(owner)}?${query}`), 400, 'VALIDATION_FAILED', field);
    }
    expectProblem(await owner.agent.get(`${traces(owner)}?cursor=garbage`), 400, 'INVALID_CURSOR');
    expectProblem(await owner.agent.get(`/v1/projects/${owner.projectId}/sessions?limit=0`), 400, 'VALIDATION_FAILED', '/limit');
  });

  it('counts traces in the cost summary and groups costs by trace', async () => {
    const summary = await owner.agent.get(`/v1/projects/${owner.projectId}/costs/summary`);
    expect(summary.body.traces).toEqual({ total: 5, flagged: 1 });
    const org = await owner.agent.get(`/v1/organizations/${owner.organizationId}/costs/summary`);
    expect(org.body.traces).toEqual({ total: 5, flagged: 1 });
    const breakdown = await owner.agent.get(`/v1/projects/${owner.projectId}/costs/breakdown?groupBy=trace`);
    expect(breakdown.status).toBe(200);
    expect(breakdown.body.groupBy).toBe('trace');
  });
});
