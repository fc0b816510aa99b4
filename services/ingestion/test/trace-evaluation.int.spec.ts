import { ingestionStreams } from '@llmlab/contracts';
import { IngestionHarness } from './ingestion.harness';
import { span, spanBatch, traceId } from './span.fixtures';
import { newTenant, type Tenant } from './usage.fixtures';

// Spans through the real ingest path, the evaluation worker running in the service with a one-second idle time,
// flags in the read model, and a late span re-evaluating the trace.
describe('trace evaluation', () => {
  let h: IngestionHarness;

  beforeAll(async () => {
    h = await IngestionHarness.start({ env: { TRACE_IDLE_MS: '1000', TRACE_EVALUATE_INTERVAL_MS: '200' } });
  }, 60_000);
  afterAll(() => h?.stop());

  const traceRow = async (t: Tenant, id: string) =>
    (
      await h.rows<{ flags: string[]; evaluated_at: Date | null }>(
        'SELECT flags, evaluated_at FROM ingestion.traces WHERE project_id = $1 AND trace_id = $2',
        [t.projectId, id],
      )
    )[0];
  const flagRows = (t: Tenant, id: string) =>
    h.rows<{ type: string; span_ids: string[]; summary: string }>(
      'SELECT type, span_ids, summary FROM ingestion.trace_flags WHERE project_id = $1 AND trace_id = $2 ORDER BY type',
      [t.projectId, id],
    );
  const evaluations = async (t: Tenant) =>
    (await h.runtime.eventStore.readStream(ingestionStreams.traces(t.projectId))).filter((e) => e.type === 'TracesEvaluated');

  it('flags a tool loop once the trace is idle, and re-evaluates it after a late error span', async () => {
    const tenant = newTenant();
    const id = traceId();
    const start = new Date(Date.now() - 60_000);
    const root = span(id, { name: 'agent run', category: 'agent' }, start);
    const tools = [1, 2, 3, 4, 5].map((i) =>
      span(
        id,
        {
          parentSpanId: root.spanId,
          name: 'execute_tool search',
          category: 'tool',
          genAi: { operation: 'execute_tool', toolName: 'search', toolArgumentsHash: 'a'.repeat(64) },
        },
        new Date(start.getTime() + i * 1000),
      ),
    );
    await h.publishSpans(spanBatch(tenant, [root, ...tools]));
    await h.until(async () => (await traceRow(tenant, id))?.evaluated_at != null, 'the first evaluation', 30_000);

    expect((await traceRow(tenant, id))!.flags).toEqual(['tool_loop']);
    const [loop] = await flagRows(tenant, id);
    expect(loop).toMatchObject({ type: 'tool_loop', span_ids: tools.map((t) => t.spanId) });
    expect(loop.summary).toContain('5 times');
    expect(await evaluations(tenant)).toHaveLength(1);

    const late = span(id, { parentSpanId: root.spanId, name: 'late step', status: 'error' }, new Date(start.getTime() + 10_000));
    await h.publishSpans(spanBatch(tenant, [late]));
    await h.until(
      async () => (await evaluations(tenant)).length === 2 && (await traceRow(tenant, id))?.evaluated_at != null,
      'the re-evaluation',
      30_000,
    );

    expect([...(await traceRow(tenant, id))!.flags].sort()).toEqual(['error', 'tool_loop']);
    expect((await flagRows(tenant, id)).map((f) => [f.type, f.span_ids])).toEqual([
      ['error', [late.spanId]],
      ['tool_loop', tools.map((t) => t.spanId)],
    ]);
  });

  it('leaves a clean trace unflagged, and appends no second evaluation for it', async () => {
    const tenant = newTenant();
    const id = traceId();
    await h.publishSpans(spanBatch(tenant, [span(id, { name: 'fine' })]));
    await h.until(async () => (await traceRow(tenant, id))?.evaluated_at != null, 'the evaluation', 30_000);
    await h.settled();
    expect((await traceRow(tenant, id))!.flags).toEqual([]);
    expect(await flagRows(tenant, id)).toEqual([]);
    expect(await evaluations(tenant)).toHaveLength(1);
  });
});
