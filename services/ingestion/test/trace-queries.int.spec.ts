import { Decimal } from 'decimal.js';
import { ingestionSubjects, type TraceSummary } from '@llmlab/contracts';
import { usageEvent } from '@llmlab/testing';
import { IngestionHarness } from './ingestion.harness';
import { insertFlag, insertSpan, insertSpanRecord, insertTrace, newSpanId, newTraceId } from './trace.fixtures';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';

const HOUR = 3_600_000;

// The trace and session queries over the traces read model (rows written as the projection writes them), and the
// trace figures of the cost queries (groupBy=trace, the summary's trace counts) over real usage events.
describe('trace queries', () => {
  let h: IngestionHarness;
  let p1: Tenant;
  let p2: Tenant;
  let other: Tenant;
  const sql = (query: string, params: unknown[]) => h.rows(query, params);
  const ctx = (t: Tenant) => ({ organizationId: t.organizationId, projectId: t.projectId });
  const base = Date.now() - 2 * HOUR;
  /** An instant `us` microseconds after the base, printed to the microsecond as the read model returns it. */
  const at = (us: number) => {
    const ms = base + Math.floor(us / 1000);
    const micros = ((us % 1000) + 1000) % 1000;
    return new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
  };
  const range = { from: new Date(base - HOUR).toISOString(), to: new Date(base + HOUR).toISOString() };

  // One trace with every shape the tree must handle.
  const shared = newTraceId();
  const [root, llmA, tool, llmC, usageD, orphan] = [newSpanId(), newSpanId(), newSpanId(), newSpanId(), newSpanId(), newSpanId()];
  const [cycleX, cycleY] = [newSpanId(), newSpanId()];

  beforeAll(async () => {
    h = await IngestionHarness.start();
    p1 = newTenant();
    p2 = newTenant(p1.organizationId);
    other = newTenant();

    await insertTrace(sql, p1, {
      traceId: shared,
      name: 'agent-run',
      startedAt: at(0),
      endedAt: at(9_000_000),
      spanCount: 8,
      modelCalls: 3,
      errorSpans: 1,
      inputTokens: 300,
      outputTokens: 21,
      cost: '0.300000000003',
      sessionId: 'sess-1',
      userId: 'u1',
      flags: ['tool_loop'],
      evaluated: true,
    });
    const span = (spanId: string, parentSpanId: string | null, name: string, start: number, extra: object = {}) =>
      insertSpan(sql, p1, shared, { spanId, parentSpanId, name, start: at(start), end: at(start + 1000), ...extra });
    await span(root, null, 'agent-run', 0);
    await span(tool, root, 'execute_tool search', 3000, { category: 'tool', toolName: 'search', status: 'error' });
    await span(llmA, root, 'chat gpt-4o-mini', 1000, { category: 'llm' });
    await span(llmC, tool, 'chat gpt-4o-mini', 4000, { category: 'llm', tags: { feature: 'deep' } });
    await span(usageD, root, 'gpt-4o-mini', 5000, { category: 'llm', source: 'usage' });
    // Its parent never arrived: at depth 0, after the root, though it started first.
    await span(orphan, newSpanId(), 'late child', -500);
    // A parent cycle no root reaches: shown after the rest, never twice, never lost.
    await span(cycleX, cycleY, 'cycle x', 7000);
    await span(cycleY, cycleX, 'cycle y', 8000);
    const record = (eventId: string, spanId: string, cost: string | null, claim: boolean) =>
      insertSpanRecord(sql, p1, { eventId, traceId: shared, spanId, at: at(10), cost, claim });
    await record('e-a', llmA, '0.100000000001', true);
    // The same call as a span and as a usage event: the claimed record is the one shown, once.
    await record(`otel:${shared}:${llmC}`, llmC, '0.200000000002', false);
    await record('e-c', llmC, '0.200000000002', true);
    await record('e-d', usageD, null, true);
    await insertFlag(sql, p1, shared, {
      type: 'tool_loop',
      spanIds: [tool, llmC],
      summary: 'search was called 5 times with the same arguments',
      figures: { calls: 5, threshold: 5 },
    });

    // The same trace id in another project of the organization is another trace.
    await insertTrace(sql, p2, { traceId: shared, name: 'other-project-run', startedAt: at(0), endedAt: at(1000), cost: '9' });
    await insertSpan(sql, p2, shared, { spanId: root, name: 'other-project-run', start: at(0), end: at(1000) });
  }, 60_000);
  afterAll(() => h?.stop());

  it('answers the span tree in depth-first order with exact own and subtree costs, usage counted once, and flags on their spans', async () => {
    const view = await h.request(ingestionSubjects.trace, { traceId: shared }, ctx(p1));
    expect(view.spans.map((s) => [s.spanId, s.depth])).toEqual([
      [root, 0],
      [llmA, 1],
      [tool, 1],
      [llmC, 2],
      [usageD, 1],
      [orphan, 0],
      [cycleX, 0],
      [cycleY, 1],
    ]);
    const byId = Object.fromEntries(view.spans.map((s) => [s.spanId, s]));
    expect(byId[llmC].usage).toMatchObject({ usageEventId: 'e-c', cost: { amount: '0.200000000002' }, costStatus: 'priced' });
    expect(byId[usageD].usage).toMatchObject({ usageEventId: 'e-d', cost: null, costStatus: 'unpriced' });
    expect(byId[root].usage).toBeNull();
    expect(byId[llmC].cost.amount).toBe('0.200000000002');
    expect(byId[tool].subtreeCost.amount).toBe('0.200000000002');
    // Exactly the sum of every descendant's own cost (a float sum would be off in the last digit).
    const own = [llmA, llmC, usageD].map((id) => new Decimal(byId[id].cost.amount));
    expect(byId[root].subtreeCost.amount).toBe(own.reduce((a, b) => a.plus(b)).toFixed(12));
    expect(byId[root].subtreeCost.amount).toBe('0.300000000003');
    expect(byId[orphan].subtreeCost.amount).toBe('0.000000000000');
    expect(byId[tool]).toMatchObject({ flags: ['tool_loop'], status: 'error', toolName: 'search', category: 'tool' });
    expect(byId[llmC].flags).toEqual(['tool_loop']);
    expect(byId[llmA].flags).toEqual([]);
    expect(byId[llmA].offsetMs).toBe(1);
    expect(byId[llmA].durationMs).toBe(1);
    expect(byId[llmA].startTime).toBe(at(1000));
    expect(byId[root].content).toBeNull();
    expect(view.flagDetails).toEqual([
      {
        type: 'tool_loop',
        spanIds: [tool, llmC],
        summary: 'search was called 5 times with the same arguments',
        figures: { calls: 5, threshold: 5 },
      },
    ]);
    expect(view).toMatchObject({
      traceId: shared,
      name: 'agent-run',
      status: 'error',
      complete: true,
      cost: { amount: '0.300000000003' },
      tokens: { input: 300, output: 21, total: 321 },
    });
  });

  it('keeps a trace id another project also used separate, and answers TRACE_NOT_FOUND to every other project', async () => {
    const mine = await h.request(ingestionSubjects.trace, { traceId: shared }, ctx(p2));
    expect(mine).toMatchObject({ name: 'other-project-run', cost: { amount: '9.000000000000' } });
    expect(mine.spans).toHaveLength(1);
    for (const [request, context] of [
      [{ traceId: shared }, ctx(other)],
      [{ traceId: shared }, { organizationId: other.organizationId, projectId: p1.projectId }],
      [{ traceId: newTraceId() }, ctx(p1)],
      [{ traceId: 'not-hex' }, ctx(p1)],
    ] as const) {
      const reply = await h.reply(ingestionSubjects.trace, request, context);
      expect(reply.ok ? null : reply.error.code).toBe('TRACE_NOT_FOUND');
    }
  });

  describe('lists', () => {
    const walker = newTenant();
    const ids: string[] = [];

    beforeAll(async () => {
      // 9 traces; three share one start instant to the microsecond, two differ only in the microseconds.
      const starts = [100, 200, 200, 200, 201, 202, 5_000_000, 6_000_000, 7_000_000];
      for (const [i, start] of starts.entries()) {
        const traceId = `${String(i).padStart(2, '0')}${newTraceId().slice(2)}`;
        ids.push(traceId);
        await insertTrace(sql, walker, {
          traceId,
          name: i % 2 === 0 ? 'even' : 'odd',
          startedAt: at(start),
          endedAt: at(start + 2000),
          cost: `0.0${i}`,
          errorSpans: i === 3 ? 1 : 0,
          flags: i === 4 ? ['retry_storm', 'error'] : [],
          userId: i < 3 ? 'u-early' : null,
          sessionId: i < 5 ? `s-${i % 2}` : null,
          tags: i === 6 ? { team: 'alpha' } : {},
        });
      }
      await insertSpan(sql, walker, ids[7], {
        spanId: newSpanId(),
        name: 'child',
        start: at(6_000_000),
        end: at(6_000_001),
        tags: { team: 'beta' },
      });
      // Outside the range.
      await insertTrace(sql, walker, { traceId: newTraceId(), startedAt: new Date(base - 3 * HOUR).toISOString(), endedAt: at(0) });
    });

    const listAll = async (filters: object, limit: number) => {
      const seen: TraceSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.request(ingestionSubjects.traces, { ...range, ...filters, limit, ...(cursor ? { cursor } : {}) }, ctx(walker));
        expect(page.data.length).toBeLessThanOrEqual(limit);
        seen.push(...page.data);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };

    it('walks every page newest first without gaps or repeats, ties broken by trace id', async () => {
      const expected = [...ids].sort((a, b) => {
        const sa = ids.indexOf(a);
        const sb = ids.indexOf(b);
        const starts = [100, 200, 200, 200, 201, 202, 5_000_000, 6_000_000, 7_000_000];
        return starts[sb] - starts[sa] || (a < b ? 1 : -1);
      });
      for (const limit of [1, 2, 4, 200]) expect((await listAll({}, limit)).map((t) => t.traceId)).toEqual(expected);
      const [newest] = await listAll({}, 200);
      expect(newest).toMatchObject({ traceId: ids[8], startedAt: at(7_000_000), durationMs: 2, cost: { amount: '0.080000000000' } });
    });

    it('filters by status, flag, user, session, tag, minimum cost and name', async () => {
      const traced = async (filters: object) => (await listAll(filters, 3)).map((t) => ids.indexOf(t.traceId)).sort();
      expect(await traced({ status: 'error' })).toEqual([3]);
      expect((await traced({ status: 'ok' })).length).toBe(8);
      expect(await traced({ flag: 'retry_storm' })).toEqual([4]);
      expect(await traced({ userId: 'u-early' })).toEqual([0, 1, 2]);
      expect(await traced({ sessionId: 's-1' })).toEqual([1, 3]);
      expect(await traced({ tag: 'team:alpha' })).toEqual([6]);
      expect(await traced({ tag: 'team:beta' })).toEqual([7]);
      expect(await traced({ minCost: '0.07' })).toEqual([7, 8]);
      expect(await traced({ name: 'odd' })).toEqual([1, 3, 5, 7]);
    });

    it('refuses bad filters naming the field, and a cursor it did not hand out', async () => {
      const reply = await h.reply(
        ingestionSubjects.traces,
        { ...range, flag: 'nope' as never, minCost: '-1', tag: 'novalue', limit: 500, status: 'bad' as never },
        ctx(walker),
      );
      expect(reply.ok ? [] : reply.error.errors?.map((f) => f.field).sort()).toEqual(['/flag', '/limit', '/minCost', '/status', '/tag']);
      const cursor = await h.reply(ingestionSubjects.traces, { ...range, cursor: 'garbage' }, ctx(walker));
      expect(cursor.ok ? null : cursor.error.code).toBe('INVALID_CURSOR');
    });

    it('lists sessions with their totals, pages them, and opens one; another project has none of them', async () => {
      const page1 = await h.request(ingestionSubjects.sessions, { ...range, limit: 1 }, ctx(walker));
      expect(page1.data.map((s) => s.sessionId)).toEqual(['s-0']);
      const page2 = await h.request(ingestionSubjects.sessions, { ...range, limit: 1, cursor: page1.nextCursor! }, ctx(walker));
      expect(page2).toMatchObject({ data: [{ sessionId: 's-1' }], nextCursor: null });
      expect(page1.data[0]).toMatchObject({ traces: 3, flaggedTraces: 1, cost: { amount: '0.060000000000' }, userId: 'u-early' });
      const byUser = await h.request(ingestionSubjects.sessions, { ...range, userId: 'u-early' }, ctx(walker));
      // Both latest traces started at the same instant: the session id breaks the tie, descending.
      expect(byUser.data.map((s) => [s.sessionId, s.traces])).toEqual([
        ['s-1', 1],
        ['s-0', 2],
      ]);
      const session = await h.request(ingestionSubjects.session, { sessionId: 's-1' }, ctx(walker));
      expect(session).toMatchObject({ sessionId: 's-1', traces: 2, cost: { amount: '0.040000000000' }, firstStartedAt: at(200) });
      expect(session.traceList.map((t) => ids.indexOf(t.traceId))).toEqual([1, 3]);
      for (const context of [ctx(p1), ctx(other)]) {
        const missing = await h.reply(ingestionSubjects.session, { sessionId: 's-1' }, context);
        expect(missing.ok ? null : missing.error.code).toBe('SESSION_NOT_FOUND');
      }
    });
  });

  it('groups costs by trace name with a null row for the rest, adding up to the summary, and counts traces', async () => {
    const t = newTenant();
    const [traceA, traceB, traceC] = [newTraceId(), newTraceId(), newTraceId()];
    const when = new Date(base).toISOString();
    await h.request(
      ingestionSubjects.createPriceOverride,
      { provider: 'acme', model: 'm', rates: { input: '1', output: '0' } },
      { organizationId: t.organizationId },
    );
    const event = (id: string, inputTokens: number, traceId?: string) =>
      usageEvent({
        id,
        timestamp: when,
        provider: 'acme',
        model: 'm',
        usage: { inputTokens, outputTokens: 0 },
        ...(traceId ? { traceId, spanId: newSpanId() } : {}),
      });
    await h.publish(
      usageBatch(t, [event('a1', 1, traceA), event('a2', 2, traceA), event('b1', 4, traceB), event('c1', 8, traceC), event('n1', 16)]),
    );
    await h.until(
      async () => (await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [t.projectId])) === 5,
      'the records',
    );
    await h.settled();
    // The traces as the projection names them: C's root span has not arrived (no name). Upserted, so that a ledger
    // that also derives trace rows from the usage events leaves the same rows.
    const upsert = async (traceId: string, name: string | null, flags: string[]) =>
      sql(
        `INSERT INTO ingestion.traces (organization_id, project_id, trace_id, name, started_at, ended_at, flags, last_activity_at)
         VALUES ($1, $2, $3, $4, $5, $5, $6, now())
         ON CONFLICT (project_id, trace_id) DO UPDATE SET name = EXCLUDED.name, flags = EXCLUDED.flags, started_at = EXCLUDED.started_at`,
        [t.organizationId, t.projectId, traceId, name, when, flags],
      );
    await upsert(traceA, 'plan', ['cost_outlier']);
    await upsert(traceB, 'answer', []);
    await upsert(traceC, null, []);

    const request = { from: new Date(base - 90 * 60_000).toISOString(), to: new Date(base + 30 * 60_000).toISOString() };
    const breakdown = await h.request(ingestionSubjects.costBreakdown, { ...request, groupBy: 'trace' }, ctx(t));
    expect(breakdown.rows.map((r) => [r.key, r.cost.amount, r.requests])).toEqual([
      [null, '0.000024000000', 2],
      ['answer', '0.000004000000', 1],
      ['plan', '0.000003000000', 2],
    ]);
    const summary = await h.request(ingestionSubjects.costSummary, request, ctx(t));
    expect(summary.current.cost.amount).toBe(breakdown.rows.reduce((sum, r) => sum.plus(r.cost.amount), new Decimal(0)).toFixed(12));
    expect(summary.traces).toEqual({ total: 3, flagged: 1 });
    const org = await h.request(ingestionSubjects.costSummary, request, { organizationId: t.organizationId });
    expect(org.traces).toEqual({ total: 3, flagged: 1 });
    const elsewhere = await h.request(ingestionSubjects.costSummary, request, ctx(other));
    expect(elsewhere.traces).toEqual({ total: 0, flagged: 0 });
  });
});
