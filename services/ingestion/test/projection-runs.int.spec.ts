import { erasedEndUser, type RecordedEvent, type UsageRecordedData } from '@llmlab/contracts';
import { trustedScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import { usageEvent } from '@llmlab/testing';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { EndUserPseudonyms } from '../src/end-users/end-user-pseudonyms';
import { PriceBook } from '../src/price-catalog/price-book';
import { IngestionProjection } from '../src/read-models/ingestion.projection';
import { usageRecordedEvents } from '../src/usage/usage-recording.handler';
import { IngestionHarness } from './ingestion.harness';
import { recordSums, rollupRows } from './rollup-sums';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';

// The ordered projection hands the ingestion projection runs of events; consecutive UsageRecorded events are recorded
// together, with their lookups (pricing revisions, end users of several projects) read once. The run must write
// exactly what the same events applied one at a time write.
describe('ingestion projection, a run of UsageRecorded events', () => {
  let h: IngestionHarness;
  let position = 10_000_000_000;

  beforeAll(async () => {
    h = await IngestionHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  /** Events as the ledger would hold them (never appended: the service's own projection never sees them). */
  async function recorded(tenant: Tenant, events: ReturnType<typeof usageEvent>[], remembered: string[]) {
    const batch = usageBatch(tenant, events);
    const pricing = await h.get(PriceBook).snapshot(trustedScope(tenant.organizationId));
    const endUsers = h.get(EndUserPseudonyms);
    const pseudonym = await endUsers.of(tenant.organizationId);
    await endUsers.remember(tenant.organizationId, tenant.projectId, new Map(remembered.map((u) => [pseudonym(u), u])));
    return usageRecordedEvents(batch, pricing, pseudonym).map((e, i): RecordedEvent<'UsageRecorded', UsageRecordedData> => ({
      ...e,
      id: e.id!,
      version: 1,
      streamId: `ingestion.usage-test-${tenant.projectId}`,
      revision: i,
      position: (position += 1),
      recordedAt: new Date().toISOString(),
    }));
  }

  const records = (t: Tenant) =>
    h.rows<{ event_id: string; user_id: string | null; input_tokens: string; cost: string }>(
      `SELECT event_id, user_id, input_tokens::text, cost::text FROM ingestion.usage_records WHERE project_id = $1 ORDER BY event_id`,
      [t.projectId],
    );

  it('counts an id once, its first copy, across the events of a run and across projects, with every end user resolved', async () => {
    const organizationId = uuidv7();
    const [a, b] = [newTenant(organizationId), newTenant(organizationId)];
    const [x, y, z] = [uuidv7(), uuidv7(), uuidv7()];
    const first = await recorded(
      a,
      [usageEvent({ id: x, userId: 'ada' }), usageEvent({ id: y, userId: 'bob', usage: { inputTokens: 111, outputTokens: 1 } })],
      ['ada', 'bob'],
    );
    // y again, other figures: the first copy wins. eve's mapping was never written: she reads as erased.
    const second = await recorded(
      a,
      [usageEvent({ id: y, userId: 'bob', usage: { inputTokens: 999, outputTokens: 9 } }), usageEvent({ id: z, userId: 'eve' })],
      [],
    );
    const other = await recorded(b, [usageEvent({ id: x, userId: 'ada' })], ['ada']);

    const client = await h.get<Pool>(PG_POOL).connect();
    try {
      await client.query('BEGIN');
      await h.get(IngestionProjection).applyRun(client, [...first, ...second, ...other]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }

    const eve = (await h.get(EndUserPseudonyms).of(organizationId))('eve');
    expect((await records(a)).map((r) => [r.event_id, r.user_id, r.input_tokens])).toEqual(
      [
        [x, 'ada', '1000'],
        [y, 'bob', '111'],
        [z, erasedEndUser(eve), '1000'],
      ].sort((p, q) => p[0]!.localeCompare(q[0]!)),
    );
    expect((await records(b)).map((r) => [r.event_id, r.user_id])).toEqual([[x, 'ada']]);
    // Every rollup, the organization's included, is the records' sums.
    expect(await rollupRows(h.sql, organizationId)).toEqual(await recordSums(h.sql, organizationId));
  });

  it('writes what the same events applied one at a time write', async () => {
    const runOrganization = uuidv7();
    const aloneOrganization = uuidv7();
    // Traces too: a span reported twice (two calls under one enclosing span), an OpenTelemetry call and a usage event
    // naming its span, a session named first by the first event though a later event's call is earlier, copies of an
    // id with other figures.
    const t = 'a'.repeat(32);
    const span = (n: number) => String(n).padStart(16, '0');
    const base = Date.now() - 600_000;
    const at = (s: number) => new Date(base + s * 1000).toISOString();
    const shapes = (ids: string[]) => [
      [
        usageEvent({
          id: ids[0],
          userId: 'u1',
          tags: { feature: 'search' },
          traceId: t,
          spanId: span(1),
          sessionId: 's-first',
          timestamp: at(5),
        }),
        usageEvent({ id: ids[1], model: 'gpt-4o', userId: 'u2', traceId: t, spanId: span(1), parentSpanId: span(9), timestamp: at(3) }),
        usageEvent({ id: `otel:${ids[3]}`, traceId: t, spanId: span(2), timestamp: at(4) }),
      ],
      [
        usageEvent({ id: ids[1], userId: 'u1', usage: { inputTokens: 7, outputTokens: 7 } }),
        usageEvent({ id: ids[2], status: 'error', errorType: 'rate_limit', userId: 'u3', traceId: t, spanId: span(2), timestamp: at(1) }),
        usageEvent({ id: ids[4], traceId: t, spanId: span(3), sessionId: 's-late', timestamp: at(0) }),
      ],
    ];
    const ids = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    const build = async (t: Tenant) => {
      const [one, two] = shapes(ids);
      return [...(await recorded(t, one, ['u1', 'u2', 'u3'])), ...(await recorded(t, two, []))];
    };
    const runTenant = newTenant(runOrganization);
    const aloneTenant = newTenant(aloneOrganization);
    const runEvents = await build(runTenant);
    const aloneEvents = await build(aloneTenant);

    const client = await h.get<Pool>(PG_POOL).connect();
    try {
      await client.query('BEGIN');
      await h.get(IngestionProjection).applyRun(client, runEvents);
      await client.query('COMMIT');
      for (const event of aloneEvents) {
        await client.query('BEGIN');
        await h.get(IngestionProjection).applyRun(client, [event]);
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
    const strip = (rows: { table: string; rows: string[] }[], t: Tenant) =>
      rows.map((r) => ({ table: r.table, rows: r.rows.map((l) => l.replaceAll(t.organizationId, 'ORG').replaceAll(t.projectId, 'PRJ')) }));
    const byRun = strip(await rollupRows(h.sql, runOrganization), runTenant);
    expect(byRun.some((r) => r.rows.length > 0)).toBe(true);
    expect(byRun).toEqual(strip(await rollupRows(h.sql, aloneOrganization), aloneTenant));
    expect((await records(runTenant)).map((r) => [r.event_id, r.user_id, r.input_tokens, r.cost])).toEqual(
      (await records(aloneTenant)).map((r) => [r.event_id, r.user_id, r.input_tokens, r.cost]),
    );
    const traces = (p: Tenant) =>
      h.rows(
        `SELECT trace_id, started_at, ended_at, span_count::float8 AS span_count, error_spans::float8 AS error_spans,
           model_calls::float8 AS model_calls, input_tokens, output_tokens, cost::text, unpriced::float8 AS unpriced,
           session_id, user_id FROM ingestion.traces WHERE project_id = $1`,
        [p.projectId],
      );
    const spans = (p: Tenant) =>
      h.rows(
        `SELECT trace_id, span_id, parent_span_id, name, start_time, end_time, status, source, model, usage_event_id, input_tokens
           FROM ingestion.trace_spans WHERE project_id = $1 ORDER BY span_id`,
        [p.projectId],
      );
    const runTraces = await traces(runTenant);
    expect(runTraces).toMatchObject([{ session_id: 's-first', model_calls: 4 }]);
    expect(runTraces).toEqual(await traces(aloneTenant));
    expect(await spans(runTenant)).toEqual(await spans(aloneTenant));
    expect((await spans(runTenant)).length).toBeGreaterThan(1);
  });
});
