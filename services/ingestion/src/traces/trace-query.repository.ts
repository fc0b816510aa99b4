import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type {
  SessionSummary,
  SpanAttributeValue,
  SpanCategory,
  SpanEventData,
  SpanKind,
  SpanStatus,
  SpanUsageView,
  TraceFlagData,
  TraceFlagType,
  TraceStatus,
  TraceSummary,
} from '@llmlab/contracts';
import { toMoneyString, type ProjectScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Interval } from '../costs/cost-range';
import type { KeysetCursor } from '../keyset-cursor';
import type { SpanNode } from './trace-tree';

/** The filters of a trace list, checked by `TraceQueries`. */
export interface TraceFilters {
  status?: TraceStatus;
  flag?: TraceFlagType;
  userId?: string;
  sessionId?: string;
  tag?: { key: string; value: string };
  minCost?: string;
  name?: string;
}

/** Instants printed by PostgreSQL to the microsecond (the contracts' spelling, and exact for cursors). */
const at = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const ms = (interval: string) => `(extract(epoch FROM ${interval}) * 1000)::float8`;

const SUMMARY_COLUMNS = `t.trace_id, t.name, ${at('t.started_at')} AS started_at, ${ms('t.ended_at - t.started_at')} AS duration_ms,
  t.span_count::float8 AS span_count, t.model_calls::float8 AS model_calls, t.error_spans::float8 AS error_spans,
  t.input_tokens::text, t.output_tokens::text, t.cached_input_tokens::text, t.cache_write_tokens::text,
  t.reasoning_tokens::text, t.cost::text, t.unpriced::float8 AS unpriced, t.flags, t.session_id, t.user_id,
  t.evaluated_at IS NOT NULL AS complete`;

interface SummaryRow {
  trace_id: string;
  name: string | null;
  started_at: string;
  duration_ms: number;
  span_count: number;
  model_calls: number;
  error_spans: number;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
  cache_write_tokens: string;
  reasoning_tokens: string;
  cost: string;
  unpriced: number;
  flags: string[];
  session_id: string | null;
  user_id: string | null;
  complete: boolean;
}

interface SpanRow {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  category: string;
  start_time: string;
  end_time: string;
  offset_ms: number;
  duration_ms: number;
  status: string;
  status_message: string | null;
  service_name: string | null;
  operation: string | null;
  tool_name: string | null;
  attributes: Record<string, SpanAttributeValue>;
  events: SpanEventData[];
  usage_event_id: string | null;
  provider: string | null;
  model: string | null;
  u_input: string | null;
  u_output: string | null;
  u_cached_input: string | null;
  u_cache_write: string | null;
  u_reasoning: string | null;
  u_cost: string | null;
  cost_status: string | null;
  price_entry_id: string | null;
}

interface SessionRow {
  session_id: string;
  user_id: string | null;
  traces: string;
  flagged: string;
  first_started_at: string;
  last_ended_at: string;
  last_started_at: string;
  model_calls: string;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
  cache_write_tokens: string;
  reasoning_tokens: string;
  cost: string;
}

const SESSION_AGGREGATES = `t.session_id,
  (array_agg(t.user_id ORDER BY t.started_at DESC) FILTER (WHERE t.user_id IS NOT NULL))[1] AS user_id,
  count(*)::text AS traces, count(*) FILTER (WHERE cardinality(t.flags) > 0)::text AS flagged,
  ${at('min(t.started_at)')} AS first_started_at, ${at('max(t.ended_at)')} AS last_ended_at,
  ${at('max(t.started_at)')} AS last_started_at, sum(t.model_calls)::text AS model_calls,
  sum(t.input_tokens)::text AS input_tokens, sum(t.output_tokens)::text AS output_tokens,
  sum(t.cached_input_tokens)::text AS cached_input_tokens, sum(t.cache_write_tokens)::text AS cache_write_tokens,
  sum(t.reasoning_tokens)::text AS reasoning_tokens, sum(t.cost)::text AS cost`;

/** The sessions' page key: the start of their latest trace, to the microsecond. */
export interface SessionPageRow {
  summary: SessionSummary;
  lastStartedAt: string;
}

/**
 * Reads of the traces read model (`traces`, `trace_spans`, `trace_flags`) and of the usage records of a trace. Every
 * query names the organization and the project of the scope: a trace id another project also used is another trace.
 */
@Injectable()
export class TraceQueryRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Newest first, keyset-paginated on (started_at, trace_id). */
  async list(
    scope: ProjectScope,
    range: Interval,
    filters: TraceFilters,
    after: KeysetCursor | undefined,
    take: number,
  ): Promise<TraceSummary[]> {
    const params: unknown[] = [scope.organizationId, scope.projectId, range.from, range.to];
    const add = (value: unknown) => `$${params.push(value)}`;
    const where = [
      't.organization_id = $1::uuid',
      't.project_id = $2::uuid',
      't.started_at >= $3::timestamptz',
      't.started_at < $4::timestamptz',
    ];
    if (filters.status === 'error') where.push('t.error_spans > 0');
    if (filters.status === 'ok') where.push('t.error_spans = 0');
    if (filters.flag !== undefined) where.push(`${add(filters.flag)}::text = ANY (t.flags)`);
    if (filters.userId !== undefined) where.push(`t.user_id = ${add(filters.userId)}::text`);
    if (filters.sessionId !== undefined) where.push(`t.session_id = ${add(filters.sessionId)}::text`);
    if (filters.name !== undefined) where.push(`t.name = ${add(filters.name)}::text`);
    if (filters.minCost !== undefined) where.push(`t.cost >= ${add(filters.minCost)}::numeric`);
    if (filters.tag !== undefined) {
      // The trace's own tags are a summary; a span or a model call of the trace tagged so matches too.
      const tag = add(JSON.stringify({ [filters.tag.key]: filters.tag.value }));
      where.push(`(t.tags @> ${tag}::jsonb
        OR EXISTS (SELECT 1 FROM ingestion.trace_spans s WHERE s.project_id = t.project_id AND s.trace_id = t.trace_id AND s.tags @> ${tag}::jsonb)
        OR EXISTS (SELECT 1 FROM ingestion.usage_records r
                   WHERE r.project_id = t.project_id AND r.trace_id = t.trace_id AND r.organization_id = t.organization_id AND r.tags @> ${tag}::jsonb))`);
    }
    if (after) where.push(`(t.started_at, t.trace_id) < (${add(after.at)}::timestamptz, ${add(after.id)}::text)`);
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ingestion.traces t WHERE ${where.join(' AND ')}
       ORDER BY t.started_at DESC, t.trace_id DESC LIMIT ${add(take)}`,
      params,
    );
    return rows.map(toSummary);
  }

  async summary(scope: ProjectScope, traceId: string): Promise<TraceSummary | undefined> {
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ingestion.traces t WHERE t.organization_id = $1::uuid AND t.project_id = $2::uuid AND t.trace_id = $3::text`,
      [scope.organizationId, scope.projectId, traceId],
    );
    return rows[0] && toSummary(rows[0]);
  }

  /**
   * The spans of a trace with the model call each one counts: the usage record that claimed the (trace, span)
   * (`usage_span_claims`), so that a call reported both as a usage event and as a span shows once. Content is not
   * read here: `content` is null.
   */
  async spans(scope: ProjectScope, traceId: string): Promise<SpanNode[]> {
    const { rows } = await this.pool.query<SpanRow>(
      `WITH counted AS (
         SELECT DISTINCT ON (r.span_id) r.span_id, r.event_id, r.provider, r.model, r.input_tokens, r.output_tokens,
           r.cached_input_tokens, r.cache_write_tokens, r.reasoning_tokens, r.cost, r.cost_status, r.price_entry_id
         FROM ingestion.usage_records r
         LEFT JOIN ingestion.usage_span_claims c ON c.project_id = r.project_id AND c.trace_id = r.trace_id AND c.span_id = r.span_id
         WHERE r.organization_id = $1::uuid AND r.project_id = $2::uuid AND r.trace_id = $3::text AND r.span_id IS NOT NULL
         ORDER BY r.span_id, (c.event_id IS NOT DISTINCT FROM r.event_id) DESC, r.occurred_at, r.event_id
       )
       SELECT s.span_id, s.parent_span_id, s.name, s.kind, s.category, ${at('s.start_time')} AS start_time,
         ${at('s.end_time')} AS end_time, ${ms('s.start_time - t.started_at')} AS offset_ms,
         ${ms('s.end_time - s.start_time')} AS duration_ms, s.status, s.status_message, s.service_name, s.operation,
         s.tool_name, s.attributes, s.events, u.event_id AS usage_event_id, u.provider, u.model,
         u.input_tokens::text AS u_input, u.output_tokens::text AS u_output, u.cached_input_tokens::text AS u_cached_input,
         u.cache_write_tokens::text AS u_cache_write, u.reasoning_tokens::text AS u_reasoning, u.cost::text AS u_cost,
         u.cost_status, u.price_entry_id
       FROM ingestion.traces t
       JOIN ingestion.trace_spans s ON s.project_id = t.project_id AND s.trace_id = t.trace_id
       LEFT JOIN counted u ON u.span_id = s.span_id
       WHERE t.organization_id = $1::uuid AND t.project_id = $2::uuid AND t.trace_id = $3::text`,
      [scope.organizationId, scope.projectId, traceId],
    );
    return rows.map(toSpanNode);
  }

  /** The flags of the trace's latest evaluation. */
  async flags(scope: ProjectScope, traceId: string): Promise<TraceFlagData[]> {
    const { rows } = await this.pool.query<{
      type: TraceFlagType;
      span_ids: string[];
      summary: string;
      figures: Record<string, string | number>;
    }>(
      `SELECT f.type, f.span_ids, f.summary, f.figures
       FROM ingestion.trace_flags f
       JOIN ingestion.traces t ON t.project_id = f.project_id AND t.trace_id = f.trace_id
       WHERE t.organization_id = $1::uuid AND t.project_id = $2::uuid AND t.trace_id = $3::text
       ORDER BY f.detected_at, f.type`,
      [scope.organizationId, scope.projectId, traceId],
    );
    return rows.map((r) => ({ type: r.type, spanIds: r.span_ids, summary: r.summary, figures: r.figures }));
  }

  /**
   * Sessions with a trace that started in the range (of that user, when given), counted over those traces; by their
   * latest trace's start, newest first, keyset-paginated on (that start, session id).
   */
  async sessions(
    scope: ProjectScope,
    range: Interval,
    userId: string | undefined,
    after: KeysetCursor | undefined,
    take: number,
  ): Promise<SessionPageRow[]> {
    const params: unknown[] = [scope.organizationId, scope.projectId, range.from, range.to];
    const add = (value: unknown) => `$${params.push(value)}`;
    const where = [
      't.organization_id = $1::uuid',
      't.project_id = $2::uuid',
      't.session_id IS NOT NULL',
      't.started_at >= $3::timestamptz',
      't.started_at < $4::timestamptz',
    ];
    if (userId !== undefined) where.push(`t.user_id = ${add(userId)}::text`);
    const having = after ? `HAVING (max(t.started_at), t.session_id) < (${add(after.at)}::timestamptz, ${add(after.id)}::text)` : '';
    const { rows } = await this.pool.query<SessionRow>(
      `SELECT ${SESSION_AGGREGATES} FROM ingestion.traces t WHERE ${where.join(' AND ')}
       GROUP BY t.session_id ${having}
       ORDER BY max(t.started_at) DESC, t.session_id DESC LIMIT ${add(take)}`,
      params,
    );
    return rows.map((row) => ({ summary: toSession(row), lastStartedAt: row.last_started_at }));
  }

  /** Every trace of the session counted, whenever it started. */
  async session(scope: ProjectScope, sessionId: string): Promise<SessionSummary | undefined> {
    const { rows } = await this.pool.query<SessionRow>(
      `SELECT ${SESSION_AGGREGATES} FROM ingestion.traces t
       WHERE t.organization_id = $1::uuid AND t.project_id = $2::uuid AND t.session_id = $3::text
       GROUP BY t.session_id`,
      [scope.organizationId, scope.projectId, sessionId],
    );
    return rows[0] && toSession(rows[0]);
  }

  /** The session's traces, oldest first. */
  async sessionTraces(scope: ProjectScope, sessionId: string, take: number): Promise<TraceSummary[]> {
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ingestion.traces t
       WHERE t.organization_id = $1::uuid AND t.project_id = $2::uuid AND t.session_id = $3::text
       ORDER BY t.started_at, t.trace_id LIMIT $4`,
      [scope.organizationId, scope.projectId, sessionId, take],
    );
    return rows.map(toSummary);
  }
}

function tokens(
  input: string | null,
  output: string | null,
  cachedInput: string | null,
  cacheWrite: string | null,
  reasoning: string | null,
) {
  const n = (value: string | null) => Number(value ?? 0);
  return {
    input: n(input),
    output: n(output),
    cachedInput: n(cachedInput),
    cacheWrite: n(cacheWrite),
    reasoning: n(reasoning),
    total: n(input) + n(output),
  };
}

function toSummary(row: SummaryRow): TraceSummary {
  return {
    traceId: row.trace_id,
    name: row.name,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    spanCount: row.span_count,
    modelCalls: row.model_calls,
    tokens: tokens(row.input_tokens, row.output_tokens, row.cached_input_tokens, row.cache_write_tokens, row.reasoning_tokens),
    cost: { amount: toMoneyString(row.cost), currency: 'USD' },
    unpriced: row.unpriced,
    status: row.error_spans > 0 ? 'error' : 'ok',
    flags: row.flags as TraceFlagType[],
    sessionId: row.session_id,
    userId: row.user_id,
    complete: row.complete,
  };
}

function toSession(row: SessionRow): SessionSummary {
  return {
    sessionId: row.session_id,
    userId: row.user_id,
    traces: Number(row.traces),
    flaggedTraces: Number(row.flagged),
    firstStartedAt: row.first_started_at,
    lastEndedAt: row.last_ended_at,
    modelCalls: Number(row.model_calls),
    tokens: tokens(row.input_tokens, row.output_tokens, row.cached_input_tokens, row.cache_write_tokens, row.reasoning_tokens),
    cost: { amount: toMoneyString(row.cost), currency: 'USD' },
  };
}

function toSpanNode(row: SpanRow): SpanNode {
  const usage: SpanUsageView | null =
    row.usage_event_id === null
      ? null
      : {
          usageEventId: row.usage_event_id,
          provider: row.provider!,
          model: row.model!,
          tokens: tokens(row.u_input, row.u_output, row.u_cached_input, row.u_cache_write, row.u_reasoning),
          cost: row.u_cost === null ? null : { amount: toMoneyString(row.u_cost), currency: 'USD' },
          costStatus: row.cost_status as SpanUsageView['costStatus'],
          priceEntryId: row.price_entry_id,
        };
  return {
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    name: row.name,
    kind: row.kind as SpanKind,
    category: row.category as SpanCategory,
    startTime: row.start_time,
    endTime: row.end_time,
    offsetMs: row.offset_ms,
    durationMs: row.duration_ms,
    status: row.status as SpanStatus,
    statusMessage: row.status_message,
    serviceName: row.service_name,
    operation: row.operation,
    toolName: row.tool_name,
    usage,
    cost: { amount: toMoneyString(row.u_cost ?? 0), currency: 'USD' },
    attributes: row.attributes,
    events: row.events,
    content: null,
  };
}
