import { createHash } from 'node:crypto';
import {
  ingestionStreams,
  type NewEvent,
  type SpanAttributeValue,
  type SpanCategory,
  type SpanEventData,
  type SpanStatus,
  type TracesEvaluatedData,
} from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { startPollingLoop, type BackgroundWorker, type PollingLoopHandle } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { derivedEventId } from '../derived-event-id';
import type { EvaluatedModelCall, EvaluatedSpan } from './detectors/trace-detector';
import type { TraceDetectorRegistry } from './detectors/trace-detector.registry';

export interface TraceEvaluationOptions {
  readonly intervalMs: number;
  readonly idleMs: number;
  readonly batchSize: number;
  readonly costWindowDays: number;
}

interface PendingRow {
  organization_id: string;
  project_id: string;
  trace_id: string;
  name: string | null;
  span_count: number;
  cost: string;
  last_activity_at: Date;
}

interface SpanRow {
  project_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  category: SpanCategory;
  start_time: Date;
  end_time: Date;
  status: SpanStatus;
  status_message: string | null;
  model: string | null;
  tool_name: string | null;
  tool_arguments_hash: string | null;
  attributes: Record<string, SpanAttributeValue>;
  events: SpanEventData[];
}

interface CallRow {
  project_id: string;
  trace_id: string;
  event_id: string;
  span_id: string | null;
  parent_span_id: string | null;
  model: string;
  occurred_at: Date;
  status: 'success' | 'error';
  error_type: string | null;
  latency_ms: number | null;
  input_tokens: string;
  cost: string | null;
}

/**
 * Runs the detectors over traces that had no new span for the idle time and appends one `TracesEvaluated` per
 * project and round. Replicas share the work list through `FOR UPDATE SKIP LOCKED` on `ingestion.traces`, the
 * way the repricer shares its queue. The event id is derived from the project and each trace's (id, last activity),
 * so a round repeated before the projection marked the traces evaluated (a crash, a slow projection) appends
 * nothing; a late span moves `last_activity_at` and the next evaluation is a new event.
 */
export class TraceEvaluationWorker implements BackgroundWorker {
  readonly name = 'trace-evaluation';
  private loop?: PollingLoopHandle;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly registry: TraceDetectorRegistry,
    private readonly logger: Logger,
    private readonly options: TraceEvaluationOptions,
  ) {}

  async start(): Promise<void> {
    this.loop = startPollingLoop({
      round: () => this.evaluateOnce(),
      intervalMs: this.options.intervalMs,
      logger: this.logger,
      failureMessage: 'trace evaluation failed; retrying',
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** One round: a batch of idle traces evaluated; false when there was none. */
  async evaluateOnce(): Promise<boolean> {
    const tx = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await tx.query('BEGIN');
      const evaluated = await this.evaluateBatch(tx);
      await tx.query('COMMIT');
      return evaluated;
    } catch (err) {
      broken = err as Error;
      await tx.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      tx.release(broken);
    }
  }

  private async evaluateBatch(tx: PoolClient): Promise<boolean> {
    const { rows: pending } = await tx.query<PendingRow>(
      `SELECT organization_id, project_id, trace_id, name, span_count::float8 AS span_count, cost::text AS cost, last_activity_at
       FROM ingestion.traces
       WHERE evaluated_at IS NULL AND last_activity_at < now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY last_activity_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [this.options.idleMs, this.options.batchSize],
    );
    if (pending.length === 0) return false;
    const keys = [pending.map((p) => p.project_id), pending.map((p) => p.trace_id)];
    const { rows: spanRows } = await tx.query<SpanRow>(
      `SELECT s.project_id, s.trace_id, s.span_id, s.parent_span_id, s.name, s.category, s.start_time, s.end_time, s.status,
         s.status_message, s.model, s.tool_name, s.tool_arguments_hash, s.attributes, s.events
       FROM unnest($1::uuid[], $2::text[]) AS k(project_id, trace_id)
       JOIN ingestion.trace_spans s ON s.project_id = k.project_id AND s.trace_id = k.trace_id`,
      keys,
    );
    const { rows: callRows } = await tx.query<CallRow>(
      `SELECT r.project_id, r.trace_id, r.event_id, r.span_id, s.parent_span_id, r.model, r.occurred_at, r.status, r.error_type,
         r.latency_ms, r.input_tokens, r.cost::text AS cost
       FROM unnest($1::uuid[], $2::text[]) AS k(project_id, trace_id)
       JOIN ingestion.usage_records r ON r.project_id = k.project_id AND r.trace_id = k.trace_id
       LEFT JOIN ingestion.trace_spans s ON s.project_id = r.project_id AND s.trace_id = r.trace_id AND s.span_id = r.span_id`,
      keys,
    );
    const byProject = new Map<string, { organizationId: string; rows: PendingRow[] }>();
    for (const row of pending) {
      const group = byProject.get(row.project_id) ?? { organizationId: row.organization_id, rows: [] };
      group.rows.push(row);
      byProject.set(row.project_id, group);
    }
    const evaluatedAt = new Date().toISOString();
    for (const [projectId, group] of byProject) {
      const traces: TracesEvaluatedData['traces'][number][] = [];
      for (const row of group.rows) {
        const own = (r: { project_id: string; trace_id: string }) => r.project_id === projectId && r.trace_id === row.trace_id;
        const flags = this.registry.evaluate({
          traceId: row.trace_id,
          name: row.name,
          cost: row.cost,
          spans: spanRows.filter(own).map(toSpan),
          modelCalls: callRows.filter(own).map(toCall),
          costHistory: row.name === null ? [] : await this.costHistory(tx, projectId, row.name, row.trace_id),
        });
        traces.push({
          traceId: row.trace_id,
          name: row.name,
          spanCount: row.span_count,
          cost: { amount: row.cost, currency: 'USD' },
          flags,
        });
      }
      await this.store.appendToStream(
        ingestionStreams.traces(projectId),
        [evaluationEvent(group.organizationId, projectId, group.rows, evaluatedAt, traces)],
        {
          expectedRevision: 'any',
        },
      );
      this.logger.info({ projectId, traces: traces.length, flagged: traces.filter((t) => t.flags.length > 0).length }, 'traces evaluated');
    }
    return true;
  }

  /** Costs of the project's other evaluated traces of this name that started within the trailing window. */
  private async costHistory(tx: PoolClient, projectId: string, name: string, traceId: string): Promise<string[]> {
    const { rows } = await tx.query<{ cost: string }>(
      `SELECT cost::text AS cost FROM ingestion.traces
       WHERE project_id = $1::uuid AND name = $2 AND trace_id <> $3 AND evaluated_at IS NOT NULL
         AND started_at >= now() - make_interval(days => $4::int)`,
      [projectId, name, traceId, this.options.costWindowDays],
    );
    return rows.map((r) => r.cost);
  }
}

function evaluationEvent(
  organizationId: string,
  projectId: string,
  rows: readonly PendingRow[],
  evaluatedAt: string,
  traces: TracesEvaluatedData['traces'],
): NewEvent<'TracesEvaluated', TracesEvaluatedData> {
  const digest = createHash('sha256');
  for (const key of rows.map((r) => `${r.trace_id}@${r.last_activity_at.toISOString()}`).sort()) digest.update(`${key}\n`);
  const id = derivedEventId('TracesEvaluated', projectId, digest.digest('hex'));
  return {
    id,
    type: 'TracesEvaluated',
    data: { organizationId, projectId, evaluatedAt, traces },
    // A round has no request behind it: the event is its own correlation.
    metadata: { actor: { type: 'system', id: 'ingestion-trace-evaluation' }, organizationId, projectId, correlationId: id },
  };
}

function toSpan(row: SpanRow): EvaluatedSpan {
  return {
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    name: row.name,
    category: row.category,
    startMs: row.start_time.getTime(),
    endMs: row.end_time.getTime(),
    status: row.status,
    statusMessage: row.status_message,
    model: row.model,
    toolName: row.tool_name,
    toolArgumentsHash: row.tool_arguments_hash,
    attributes: row.attributes,
    events: row.events,
  };
}

function toCall(row: CallRow): EvaluatedModelCall {
  return {
    eventId: row.event_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    model: row.model,
    occurredAtMs: row.occurred_at.getTime(),
    status: row.status,
    errorType: row.error_type,
    latencyMs: row.latency_ms,
    inputTokens: Number(row.input_tokens),
    cost: row.cost,
  };
}
