import { jetstreamManager } from '@nats-io/jetstream';
import {
  INGEST_SPANS_DEAD_LETTER_SUBJECT,
  ingestionStreams,
  ingestionSubjects,
  type SpansRecordedData,
  type TracesEvaluatedData,
} from '@llmlab/contracts';
import { DeadLetterHeaders } from '@llmlab/messaging';
import { usageEvent } from '@llmlab/testing';
import { SPAN_PART_MAX_SPANS } from '../src/traces/span-batch';
import { SpanRecordingHandler } from '../src/traces/span-recording.handler';
import { IngestionHarness } from './ingestion.harness';
import { span, spanBatch, spanId, traceId } from './span.fixtures';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';

/** A trace's counts, bigint columns. */
const TRACE_COUNTS = ['span_count', 'model_calls', 'error_spans', 'unpriced'] as const;

interface TraceRow {
  name: string | null;
  root_span_id: string | null;
  span_count: number;
  model_calls: number;
  error_spans: number;
  input_tokens: string;
  cost: string;
  unpriced: number;
  session_id: string | null;
  user_id: string | null;
  tags: Record<string, string>;
  flags: string[];
  started_at: Date;
  ended_at: Date;
  last_activity_at: Date;
  evaluated_at: Date | null;
}

// Spans from the ingest stream to the traces ledger and read model, and usage records meeting their spans, on real
// PostgreSQL and NATS JetStream, published as the OTLP intake and the gateway publish them.
describe('traces ingestion', () => {
  let h: IngestionHarness;

  beforeAll(async () => {
    h = await IngestionHarness.start({ env: { INGEST_MAX_DELIVER: '2' } });
  }, 60_000);
  afterAll(() => h?.stop());

  // The trace's counts are bigint, which the driver gives as text: read as numbers.
  const trace = async (t: Tenant, id: string): Promise<TraceRow | undefined> => {
    const [row] = await h.rows<TraceRow & Record<string, unknown>>(
      'SELECT * FROM ingestion.traces WHERE project_id = $1 AND trace_id = $2',
      [t.projectId, id],
    );
    return row && { ...row, ...Object.fromEntries(TRACE_COUNTS.map((c) => [c, Number(row[c])])) };
  };
  const spans = (t: Tenant, id: string) =>
    h.rows<{
      span_id: string;
      source: string;
      name: string;
      usage_event_id: string | null;
      input_tokens: string | null;
      parent_span_id: string | null;
    }>(
      'SELECT span_id, source, name, usage_event_id, input_tokens, parent_span_id FROM ingestion.trace_spans WHERE project_id = $1 AND trace_id = $2 ORDER BY start_time, span_id',
      [t.projectId, id],
    );
  const ledger = (t: Tenant) => h.runtime.eventStore.readStream(ingestionStreams.traces(t.projectId));
  const until = (check: () => Promise<boolean>, what: string) => h.until(check, what, 30_000);

  it('records a batch of spans in the ledger without content, and as a trace with its spans', async () => {
    const tenant = newTenant();
    const id = traceId();
    const start = new Date(Date.now() - 120_000);
    const root = span(
      id,
      { name: 'agent run', kind: 'server', category: 'agent', sessionId: 's-1', userId: 'u-1', tags: { team: 'a' } },
      start,
    );
    const child = span(
      id,
      {
        parentSpanId: root.spanId,
        name: 'chat gpt-4o',
        category: 'llm',
        status: 'error',
        tags: { step: 'x' },
        genAi: { operation: 'chat', provider: 'openai', requestModel: 'gpt-4o' },
        content: { input: 'secret prompt', output: 'secret answer', truncated: false },
      },
      new Date(start.getTime() + 500),
    );
    const batch = spanBatch(tenant, [child, root]);
    await h.publishSpans(batch);
    await until(async () => (await trace(tenant, id))?.span_count === 2, 'the trace');
    await h.settled();

    const events = await ledger(tenant);
    expect(events.map((e) => e.type)).toEqual(['SpansRecorded']);
    expect(JSON.stringify(events[0].data)).not.toContain('secret');
    const row = (await trace(tenant, id))!;
    expect(row).toMatchObject({
      name: 'agent run',
      root_span_id: root.spanId,
      span_count: 2,
      error_spans: 1,
      model_calls: 0,
      session_id: 's-1',
      user_id: 'u-1',
      tags: { team: 'a', step: 'x' },
      evaluated_at: null,
    });
    expect(row.started_at.toISOString()).toBe(root.startTime);
    expect(row.ended_at.toISOString()).toBe(child.endTime);
    expect(row.last_activity_at.toISOString()).toBe(events[0].recordedAt);
    expect((await spans(tenant, id)).map((s) => [s.span_id, s.source, s.parent_span_id])).toEqual([
      [root.spanId, 'otlp', null],
      [child.spanId, 'otlp', root.spanId],
    ]);
    expect(await h.count("SELECT count(*) AS n FROM ingestion.trace_spans WHERE attributes::text LIKE '%secret%'")).toBe(0);
  });

  it('appends nothing when a batch is recorded again (a redelivery after the append), and counts a span sent again once', async () => {
    const tenant = newTenant();
    const id = traceId();
    const batch = spanBatch(tenant, [span(id), span(id)]);
    const handler = h.get(SpanRecordingHandler);
    await handler.record(batch);
    await handler.record(batch);
    // The same spans under a new batch id (a client retrying after a lost answer): in the ledger, counted once.
    await handler.record({ ...batch, batchId: spanBatch(tenant, []).batchId });
    await h.settled();
    expect(await ledger(tenant)).toHaveLength(2);
    expect((await trace(tenant, id))!.span_count).toBe(2);
  });

  it('splits a large batch into parts', async () => {
    const tenant = newTenant();
    const id = traceId();
    const batch = spanBatch(
      tenant,
      Array.from({ length: SPAN_PART_MAX_SPANS + 10 }, () => span(id)),
    );
    await h.publishSpans(batch);
    await until(async () => (await ledger(tenant)).length === 2, 'two parts');
    await h.settled();
    const parts = (await ledger(tenant)).map((e) => (e.data as SpansRecordedData).spans.length);
    expect(parts).toEqual([SPAN_PART_MAX_SPANS, 10]);
    expect((await trace(tenant, id))!.span_count).toBe(SPAN_PART_MAX_SPANS + 10);
  });

  it('dead-letters a message that breaks the contract, and goes on with the next ones', async () => {
    const tenant = newTenant();
    const broken = spanBatch(tenant, [span('not-a-trace-id')]);
    await h.publishSpans(broken);
    const good = spanBatch(tenant, [span(traceId())]);
    await h.publishSpans(good);
    await until(async () => (await ledger(tenant)).length === 1, 'the good batch');

    const jsm = await jetstreamManager(h.runtime.nats);
    const subject = h.topology.subject(INGEST_SPANS_DEAD_LETTER_SUBJECT);
    let dead: Awaited<ReturnType<typeof jsm.streams.getMessage>> = null;
    await until(async () => {
      dead = await jsm.streams.getMessage(h.topology.deadLetter.name, { last_by_subj: subject }).catch(() => null);
      return dead !== null;
    }, 'the dead letter');
    expect(dead!.json<{ batchId: string }>().batchId).toBe(broken.batchId);
    expect(dead!.header.get(DeadLetterHeaders.Error)).toMatch(/invalid span batch: \/spans\/0\/traceId: /);
    expect(await ledger(tenant)).toHaveLength(1);
  });

  it('counts a model call sent as a usage event and as a span once, whichever came first', async () => {
    const tenant = newTenant();
    const id = traceId();
    const root = span(id, { name: 'run' });
    const callSpan = spanId();
    // The SDK's event, then the intake's event of the same span (another id): the second is a duplicate.
    const sdk = usageEvent({
      traceId: id,
      spanId: callSpan,
      parentSpanId: root.spanId,
      sessionId: 's-2',
      usage: { inputTokens: 700, outputTokens: 50 },
    });
    const otel = usageEvent({ id: `otel:${id}:${callSpan}`, traceId: id, spanId: callSpan, usage: { inputTokens: 700, outputTokens: 50 } });
    await h.publish(usageBatch(tenant, [sdk]));
    await until(async () => (await trace(tenant, id))?.model_calls === 1, 'the model call');
    await h.publish(usageBatch(tenant, [otel]));
    await h.publishSpans(spanBatch(tenant, [root]));
    await until(async () => (await trace(tenant, id))?.span_count === 2, 'the root span');
    await h.settled();

    expect(await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId])).toBe(1);
    let row = (await trace(tenant, id))!;
    expect(row).toMatchObject({ model_calls: 1, input_tokens: '700', session_id: 's-2', name: 'run', span_count: 2 });
    expect((await spans(tenant, id)).find((s) => s.span_id === callSpan)).toMatchObject({
      source: 'usage',
      name: 'chat gpt-4o-mini',
      usage_event_id: sdk.id,
      input_tokens: '700',
      parent_span_id: root.spanId,
    });

    // The span itself arrives: it replaces the usage row, keeps the record's figures, and is not a new span.
    await h.publishSpans(spanBatch(tenant, [span(id, { spanId: callSpan, parentSpanId: root.spanId, name: 'chat', category: 'llm' })]));
    await until(async () => (await spans(tenant, id)).every((s) => s.source === 'otlp'), 'the OTLP span');
    await h.settled();
    row = (await trace(tenant, id))!;
    expect(row).toMatchObject({ model_calls: 1, span_count: 2 });
    expect((await spans(tenant, id)).find((s) => s.span_id === callSpan)).toMatchObject({
      source: 'otlp',
      name: 'chat',
      usage_event_id: sdk.id,
      input_tokens: '700',
    });

    // Span first, then its usage record: the span takes the record's figures.
    const later = spanId();
    await h.publishSpans(spanBatch(tenant, [span(id, { spanId: later, parentSpanId: root.spanId, category: 'llm' })]));
    await until(async () => (await trace(tenant, id))?.span_count === 3, 'the third span');
    const call = usageEvent({ traceId: id, spanId: later, usage: { inputTokens: 5, outputTokens: 1 } });
    await h.publish(usageBatch(tenant, [call]));
    await until(async () => (await trace(tenant, id))?.model_calls === 2, 'the second model call');
    expect((await spans(tenant, id)).find((s) => s.span_id === later)).toMatchObject({
      source: 'otlp',
      usage_event_id: call.id,
      input_tokens: '5',
    });
    expect((await trace(tenant, id))!.span_count).toBe(3);
  });

  it("counts usage events sharing a span each, and an event naming an OpenTelemetry call's span once", async () => {
    const tenant = newTenant();
    const id = traceId();
    const enclosing = spanId();
    // Two calls reported under one enclosing span: two calls.
    const first = usageEvent({ traceId: id, spanId: enclosing, usage: { inputTokens: 10, outputTokens: 1 } });
    const second = usageEvent({ traceId: id, spanId: enclosing, usage: { inputTokens: 20, outputTokens: 2 } });
    await h.publish(usageBatch(tenant, [first]));
    await h.publish(usageBatch(tenant, [second]));
    await until(async () => (await trace(tenant, id))?.model_calls === 2, 'both calls');
    // The intake's record of a GenAI span first, then a usage event naming that span: one call.
    const genAiSpan = spanId();
    await h.publish(usageBatch(tenant, [usageEvent({ id: `otel:${id}:${genAiSpan}`, traceId: id, spanId: genAiSpan })]));
    await until(async () => (await trace(tenant, id))?.model_calls === 3, 'the OpenTelemetry call');
    await h.publish(usageBatch(tenant, [usageEvent({ traceId: id, spanId: genAiSpan })]));
    await h.settled();
    expect((await trace(tenant, id))!.model_calls).toBe(3);
    expect(await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId])).toBe(3);
  });

  it('keeps the same trace id in two projects as two traces', async () => {
    const a = newTenant();
    const b = newTenant(a.organizationId);
    const id = traceId();
    await h.publishSpans(spanBatch(a, [span(id), span(id)]));
    await h.publishSpans(spanBatch(b, [span(id, { name: 'other' })]));
    await h.publish(usageBatch(b, [usageEvent({ traceId: id, spanId: spanId() })]));
    await until(async () => (await trace(b, id))?.model_calls === 1 && (await trace(a, id)) !== undefined, 'both traces');
    await h.settled();
    expect((await trace(a, id))!).toMatchObject({ span_count: 2, model_calls: 0 });
    expect((await trace(b, id))!).toMatchObject({ span_count: 2, model_calls: 1 });
  });

  it('applies an evaluation to the traces with nothing newer, and a later span makes a trace pending again', async () => {
    const tenant = newTenant();
    const [quiet, busy] = [traceId(), traceId()];
    const quietSpan = span(quiet, { status: 'error' });
    await h.publishSpans(spanBatch(tenant, [quietSpan, span(busy)]));
    await until(async () => (await trace(tenant, busy)) !== undefined, 'the traces');
    await h.settled();
    const evaluatedAt = new Date().toISOString();
    const flag = { type: 'error' as const, spanIds: [quietSpan.spanId], summary: '1 span failed.', figures: { errors: 1 } };
    const evaluation = (at: string): TracesEvaluatedData => ({
      organizationId: tenant.organizationId,
      projectId: tenant.projectId,
      evaluatedAt: at,
      traces: [
        { traceId: quiet, name: null, spanCount: 1, cost: { amount: '0', currency: 'USD' }, flags: [flag] },
        { traceId: busy, name: null, spanCount: 1, cost: { amount: '0', currency: 'USD' }, flags: [] },
      ],
    });
    const append = (data: TracesEvaluatedData) =>
      h.runtime.eventStore.appendToStream(
        ingestionStreams.traces(tenant.projectId),
        [
          {
            type: 'TracesEvaluated',
            data,
            metadata: { actor: { type: 'system', id: 'test' }, organizationId: tenant.organizationId, correlationId: 'test' },
          },
        ],
        { expectedRevision: 'any' },
      );
    // An evaluation from before the spans' activity changes nothing.
    await append(evaluation(new Date(Date.now() - 3_600_000).toISOString()));
    await h.settled();
    expect((await trace(tenant, quiet))!.evaluated_at).toBeNull();

    await append(evaluation(evaluatedAt));
    await h.settled();
    expect((await trace(tenant, quiet))!).toMatchObject({ flags: ['error'] });
    expect((await trace(tenant, quiet))!.evaluated_at).not.toBeNull();
    expect((await trace(tenant, busy))!).toMatchObject({ flags: [] });
    const flags = await h.rows('SELECT type, span_ids, summary, figures FROM ingestion.trace_flags WHERE project_id = $1', [
      tenant.projectId,
    ]);
    expect(flags).toEqual([{ type: 'error', span_ids: [quietSpan.spanId], summary: '1 span failed.', figures: { errors: 1 } }]);

    await h.publishSpans(spanBatch(tenant, [span(quiet)]));
    await until(async () => (await trace(tenant, quiet))!.evaluated_at === null, 'the trace pending again');
  });

  it('corrects the cost of a trace when its model calls are repriced', async () => {
    const tenant = newTenant();
    const id = traceId();
    const call = usageEvent({ provider: 'acme', model: 'acme-trace-1', traceId: id, usage: { inputTokens: 1_000, outputTokens: 500 } });
    await h.publish(usageBatch(tenant, [call]));
    await until(async () => (await trace(tenant, id))?.unpriced === 1, 'the unpriced model call');
    expect((await trace(tenant, id))!.cost).toBe('0.000000000000');

    await h.request(
      ingestionSubjects.createPriceOverride,
      { provider: 'acme', model: 'acme-trace-1', rates: { input: '2', output: '6' } },
      { organizationId: tenant.organizationId, actor: { type: 'user', id: 'admin-1' } },
    );
    await until(async () => (await trace(tenant, id))?.unpriced === 0, 'the repricing');
    expect((await trace(tenant, id))!.cost).toBe('0.005000000000');
  });

  it('rebuilds the same traces from the event store, and applying every event twice changes nothing', async () => {
    await h.settled();
    const tables = ['traces', 'trace_spans', 'trace_flags', 'usage_span_claims'];
    const snapshot = async () => {
      const out: Record<string, string[]> = {};
      for (const t of tables) {
        const columns = t === 'usage_span_claims' ? 'project_id, trace_id, span_id, event_id, occurred_at' : '*';
        out[t] = (await h.rows<{ r: string }>(`SELECT row(x.*)::text AS r FROM (SELECT ${columns} FROM ingestion.${t}) x ORDER BY 1`)).map(
          (r) => r.r,
        );
      }
      return out;
    };
    const built = await snapshot();
    expect(built.traces.length).toBeGreaterThan(5);
    expect(await h.replayLedger()).toBe(0);
    expect(await snapshot()).toEqual(built);

    // The rows dropped with everything the usage events fill in beside them (a usage record claims its span), and
    // the checkpoint with them: every event is applied again, in order.
    expect(await h.rebuildReadModels()).toBeGreaterThan(10);
    expect(await snapshot()).toEqual(built);
  });
});
