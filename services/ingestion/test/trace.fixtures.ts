import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { TraceFlagType } from '@llmlab/contracts';
import type { Tenant } from './usage.fixtures';

/**
 * Rows of the traces read model written as the projection writes them, for the query tests: a trace, its spans,
 * the usage records that count for them (with their span claims), and its flags.
 */
type Sql = (query: string, params: unknown[]) => Promise<unknown>;

export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

export interface TraceRow {
  traceId: string;
  name?: string | null;
  startedAt: string;
  endedAt: string;
  spanCount?: number;
  modelCalls?: number;
  errorSpans?: number;
  inputTokens?: number;
  outputTokens?: number;
  cost?: string;
  unpriced?: number;
  sessionId?: string | null;
  userId?: string | null;
  tags?: Record<string, string>;
  flags?: TraceFlagType[];
  evaluated?: boolean;
}

export async function insertTrace(sql: Sql, tenant: Tenant, t: TraceRow): Promise<void> {
  await sql(
    `INSERT INTO ingestion.traces (organization_id, project_id, trace_id, name, started_at, ended_at, span_count, model_calls,
       error_spans, input_tokens, output_tokens, cost, unpriced, session_id, user_id, tags, flags, last_activity_at, evaluated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now(), CASE WHEN $18 THEN now() END)`,
    [
      tenant.organizationId,
      tenant.projectId,
      t.traceId,
      t.name ?? null,
      t.startedAt,
      t.endedAt,
      t.spanCount ?? 1,
      t.modelCalls ?? 0,
      t.errorSpans ?? 0,
      t.inputTokens ?? 0,
      t.outputTokens ?? 0,
      t.cost ?? '0',
      t.unpriced ?? 0,
      t.sessionId ?? null,
      t.userId ?? null,
      JSON.stringify(t.tags ?? {}),
      t.flags ?? [],
      t.evaluated ?? false,
    ],
  );
}

export interface SpanRow {
  spanId: string;
  parentSpanId?: string | null;
  name: string;
  start: string;
  end: string;
  category?: string;
  status?: 'unset' | 'ok' | 'error';
  source?: 'otlp' | 'usage';
  toolName?: string;
  tags?: Record<string, string>;
  attributes?: Record<string, unknown>;
}

export async function insertSpan(sql: Sql, tenant: Tenant, traceId: string, s: SpanRow): Promise<void> {
  await sql(
    `INSERT INTO ingestion.trace_spans (project_id, trace_id, span_id, parent_span_id, name, kind, category, start_time, end_time,
       status, source, tool_name, tags, attributes, events, recorded_position)
     VALUES ($1, $2, $3, $4, $5, 'internal', $6, $7, $8, $9, $10, $11, $12, $13, '[]', 1)`,
    [
      tenant.projectId,
      traceId,
      s.spanId,
      s.parentSpanId ?? null,
      s.name,
      s.category ?? 'other',
      s.start,
      s.end,
      s.status ?? 'ok',
      s.source ?? 'otlp',
      s.toolName ?? null,
      JSON.stringify(s.tags ?? {}),
      JSON.stringify(s.attributes ?? {}),
    ],
  );
}

/** A usage record of a span; `claim` also makes it the span's counted call (as the ledger does for the first one). */
export async function insertSpanRecord(
  sql: Sql,
  tenant: Tenant,
  r: { eventId: string; traceId: string; spanId: string; at: string; cost: string | null; inputTokens?: number; claim: boolean },
): Promise<void> {
  await sql(
    `INSERT INTO ingestion.usage_records (organization_id, project_id, event_id, occurred_at, received_at, batch_id, api_key_id,
       provider, model, status, latency_ms, trace_id, span_id, input_tokens, output_tokens, cost, cost_status, price_entry_id,
       price_origin, recorded_position)
     VALUES ($1, $2, $3, $4, $4, $5, $6, 'openai', 'gpt-4o-mini', 'success', 5, $7, $8, $9, 7, $10, $11, $12, $13, 1)`,
    [
      tenant.organizationId,
      tenant.projectId,
      r.eventId,
      r.at,
      uuidv7(),
      tenant.apiKeyId,
      r.traceId,
      r.spanId,
      r.inputTokens ?? 100,
      r.cost,
      r.cost === null ? 'unpriced' : 'priced',
      r.cost === null ? null : 'openai:gpt-4o-mini',
      r.cost === null ? null : 'catalog',
    ],
  );
  if (r.claim) {
    await sql(
      `INSERT INTO ingestion.usage_span_claims (project_id, trace_id, span_id, event_id, occurred_at) VALUES ($1, $2, $3, $4, $5)`,
      [tenant.projectId, r.traceId, r.spanId, r.eventId, r.at],
    );
  }
}

export async function insertFlag(
  sql: Sql,
  tenant: Tenant,
  traceId: string,
  f: { type: TraceFlagType; spanIds: string[]; summary: string; figures: Record<string, string | number> },
): Promise<void> {
  await sql(
    `INSERT INTO ingestion.trace_flags (project_id, trace_id, type, span_ids, summary, figures, detected_at) VALUES ($1, $2, $3, $4, $5, $6, now())`,
    [tenant.projectId, traceId, f.type, f.spanIds, f.summary, JSON.stringify(f.figures)],
  );
}
