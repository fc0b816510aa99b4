import type { RecordedEvent, SpanRecordData, SpansRecordedData, TracesEvaluatedData } from '@llmlab/contracts';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { endUserOf, EndUserPseudonyms, pseudonymsOf } from '../end-users/end-user-pseudonyms';

const SPAN_COLUMNS = [
  'trace_id text',
  'span_id text',
  'parent_span_id text',
  'name text',
  'kind text',
  'category text',
  'start_time timestamptz',
  'end_time timestamptz',
  'status text',
  'status_message text',
  'service_name text',
  'session_id text',
  'user_id text',
  'operation text',
  'provider text',
  'model text',
  'tool_name text',
  'tool_arguments_hash text',
  'usage_event_id text',
  'input_tokens bigint',
  'tags jsonb',
  'attributes jsonb',
  'events jsonb',
];

/** The columns of `trace_spans` an OTLP span sets (session and user go to the trace only). */
const STORED = SPAN_COLUMNS.map((c) => c.split(' ')[0]).filter((c) => c !== 'session_id' && c !== 'user_id');

/** What a usage row knows better than the span: the winning usage record's figures (docs/traces.md). */
const FROM_USAGE_ROW = new Set(['usage_event_id', 'input_tokens', 'model', 'provider']);

/**
 * One statement per `SpansRecorded`: upsert the spans (a new span is inserted, a `usage` row is replaced by the
 * OTLP span, an OTLP span already stored is kept as it is), then add to each trace what changed: the spans new to
 * it (a replaced usage row was already counted), the error spans' difference, its time range, its root, its
 * session and user when it had none, its tags. Spans that changed nothing (a span sent again) leave the trace
 * alone. `last_activity_at` is the event's `recordedAt`, so a rebuild writes the same rows.
 */
const RECORD_SPANS_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(${SPAN_COLUMNS.join(', ')})
),
existing AS (
  SELECT s.trace_id, s.span_id, s.source, s.status
  FROM ingestion.trace_spans s JOIN input i ON s.trace_id = i.trace_id AND s.span_id = i.span_id
  WHERE s.project_id = $3::uuid
),
changed AS (
  SELECT i.*, e.source AS old_source, e.status AS old_status
  FROM input i LEFT JOIN existing e ON e.trace_id = i.trace_id AND e.span_id = i.span_id
  WHERE e.source IS DISTINCT FROM 'otlp'
),
spans AS (
  INSERT INTO ingestion.trace_spans AS t (project_id, source, recorded_position, ${STORED.join(', ')})
  SELECT $3::uuid, 'otlp', $4::bigint, ${STORED.join(', ')} FROM changed
  ON CONFLICT (project_id, trace_id, span_id) DO UPDATE SET source = 'otlp', recorded_position = EXCLUDED.recorded_position,
    ${STORED.filter((c) => c !== 'trace_id' && c !== 'span_id')
      .map((c) => (FROM_USAGE_ROW.has(c) ? `${c} = coalesce(t.${c}, EXCLUDED.${c})` : `${c} = EXCLUDED.${c}`))
      .join(', ')}
  WHERE t.source = 'usage'
),
tags AS (
  SELECT c.trace_id, jsonb_object_agg(tag.key, tag.value ORDER BY c.start_time, c.span_id) AS tags
  FROM changed c CROSS JOIN LATERAL jsonb_each(c.tags) AS tag(key, value)
  GROUP BY c.trace_id
),
per_trace AS (
  SELECT c.trace_id,
    min(c.start_time) AS started_at,
    max(c.end_time) AS ended_at,
    count(*) FILTER (WHERE c.old_source IS NULL)::int AS new_spans,
    sum((c.status = 'error')::int - coalesce((c.old_status = 'error')::int, 0))::int AS error_delta,
    (array_agg(c.name ORDER BY c.start_time, c.span_id) FILTER (WHERE c.parent_span_id IS NULL))[1] AS name,
    (array_agg(c.span_id ORDER BY c.start_time, c.span_id) FILTER (WHERE c.parent_span_id IS NULL))[1] AS root_span_id,
    (array_agg(c.session_id ORDER BY c.start_time, c.span_id) FILTER (WHERE c.session_id IS NOT NULL))[1] AS session_id,
    (array_agg(c.user_id ORDER BY c.start_time, c.span_id) FILTER (WHERE c.user_id IS NOT NULL))[1] AS user_id
  FROM changed c
  GROUP BY c.trace_id
),
traces AS (
  INSERT INTO ingestion.traces AS t (organization_id, project_id, trace_id, name, root_span_id, started_at, ended_at,
    span_count, error_spans, session_id, user_id, tags, last_activity_at, evaluated_at)
  SELECT $2::uuid, $3::uuid, p.trace_id, p.name, p.root_span_id, p.started_at, p.ended_at, p.new_spans, p.error_delta,
    p.session_id, p.user_id, coalesce(g.tags, '{}'::jsonb), $5::timestamptz, NULL
  FROM per_trace p LEFT JOIN tags g ON g.trace_id = p.trace_id
  ON CONFLICT (project_id, trace_id) DO UPDATE SET
    name = CASE WHEN t.root_span_id IS NULL THEN EXCLUDED.name ELSE t.name END,
    root_span_id = coalesce(t.root_span_id, EXCLUDED.root_span_id),
    started_at = LEAST(t.started_at, EXCLUDED.started_at),
    ended_at = GREATEST(t.ended_at, EXCLUDED.ended_at),
    span_count = t.span_count + EXCLUDED.span_count,
    error_spans = t.error_spans + EXCLUDED.error_spans,
    session_id = coalesce(t.session_id, EXCLUDED.session_id),
    user_id = coalesce(t.user_id, EXCLUDED.user_id),
    tags = t.tags || EXCLUDED.tags,
    last_activity_at = GREATEST(t.last_activity_at, EXCLUDED.last_activity_at),
    evaluated_at = NULL
)
SELECT count(*)::int AS changed FROM changed`;

/**
 * Marks evaluated the traces that got nothing new since the evaluation, with its flags' types. A trace whose
 * activity is later than the evaluation (a span or model call arrived meanwhile) stays pending: the detectors will
 * see it again. Its flag rows are replaced next, in separate statements (a statement cannot delete and insert the
 * same key).
 */
const MARK_EVALUATED_SQL = `
UPDATE ingestion.traces t
SET flags = ARRAY(SELECT f->>'type' FROM jsonb_array_elements(i.flags) AS f ORDER BY f->>'type'), evaluated_at = $3::timestamptz
FROM jsonb_to_recordset($1::jsonb) AS i(trace_id text, flags jsonb)
WHERE t.project_id = $2::uuid AND t.trace_id = i.trace_id AND t.last_activity_at <= $4::timestamptz
RETURNING t.trace_id`;

const INSERT_FLAGS_SQL = `
INSERT INTO ingestion.trace_flags (project_id, trace_id, type, span_ids, summary, figures, detected_at)
SELECT $2::uuid, i.trace_id, f->>'type', ARRAY(SELECT jsonb_array_elements_text(f->'spanIds')), f->>'summary', f->'figures',
  $3::timestamptz
FROM jsonb_to_recordset($1::jsonb) AS i(trace_id text, flags jsonb) CROSS JOIN LATERAL jsonb_array_elements(i.flags) AS f`;

/** The projection's writes of traces, each inside the transaction `applyInTransaction` opened. */
@Injectable()
export class TraceProjectionRepository {
  constructor(private readonly endUsers: EndUserPseudonyms) {}

  async recordSpans(tx: PoolClient, event: RecordedEvent<'SpansRecorded', SpansRecordedData>): Promise<number> {
    const data = event.data;
    const spans = firstOfEachSpan(data.spans);
    const endUsers = await this.endUsers.resolve(tx, data.projectId, pseudonymsOf(spans));
    const { rows } = await tx.query<{ changed: number }>(RECORD_SPANS_SQL, [
      JSON.stringify(spans.map((s) => toSpanRow(s, endUsers))),
      data.organizationId,
      data.projectId,
      event.position,
      event.recordedAt,
    ]);
    return rows[0].changed;
  }

  async applyEvaluation(tx: PoolClient, event: RecordedEvent<'TracesEvaluated', TracesEvaluatedData>): Promise<void> {
    const data = event.data;
    if (data.traces.length === 0) return;
    const { rows } = await tx.query<{ trace_id: string }>(MARK_EVALUATED_SQL, [
      JSON.stringify(data.traces.map((t) => ({ trace_id: t.traceId, flags: t.flags }))),
      data.projectId,
      event.recordedAt,
      data.evaluatedAt,
    ]);
    if (rows.length === 0) return;
    const evaluated = new Set(rows.map((r) => r.trace_id));
    await tx.query('DELETE FROM ingestion.trace_flags WHERE project_id = $1::uuid AND trace_id = ANY($2::text[])', [
      data.projectId,
      [...evaluated],
    ]);
    const flagged = data.traces.filter((t) => evaluated.has(t.traceId) && t.flags.length > 0);
    if (flagged.length === 0) return;
    await tx.query(INSERT_FLAGS_SQL, [
      JSON.stringify(flagged.map((t) => ({ trace_id: t.traceId, flags: t.flags }))),
      data.projectId,
      event.recordedAt,
    ]);
  }
}

/** A part that names a span twice keeps its first copy, as a later part naming it again would. */
function firstOfEachSpan(spans: readonly SpanRecordData[]): SpanRecordData[] {
  const seen = new Set<string>();
  return spans.filter((s) => {
    const key = `${s.traceId}:${s.spanId}`;
    return !seen.has(key) && seen.add(key);
  });
}

function toSpanRow(span: SpanRecordData, endUsers: ReadonlyMap<string, string>): Record<string, unknown> {
  const g = span.genAi;
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    name: span.name,
    kind: span.kind,
    category: span.category,
    start_time: span.startTime,
    end_time: span.endTime,
    status: span.status,
    status_message: span.statusMessage ?? null,
    service_name: span.serviceName ?? null,
    session_id: span.sessionId ?? null,
    user_id: endUserOf(span, endUsers),
    operation: g?.operation ?? null,
    provider: g?.provider ?? null,
    model: g?.responseModel ?? g?.requestModel ?? null,
    tool_name: g?.toolName ?? null,
    tool_arguments_hash: g?.toolArgumentsHash ?? null,
    // Filled in by the usage record that wins the span's claim, whichever of the two the projection sees first.
    usage_event_id: null,
    input_tokens: null,
    tags: span.tags,
    attributes: span.attributes,
    events: span.events,
  };
}
