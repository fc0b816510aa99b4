import { Injectable } from '@nestjs/common';
import {
  IngestionErrorCode,
  parseRfc3339,
  TRACE_FLAG_TYPES,
  USAGE_LIMITS,
  type FieldError,
  type SessionRef,
  type SessionsPage,
  type SessionsRequest,
  type SessionView,
  type TraceFlagType,
  type TraceRef,
  type TracesPage,
  type TracesRequest,
  type TraceView,
} from '@llmlab/contracts';
import { isDecimalString, type ProjectScope } from '@llmlab/domain';
import type { Interval } from '../costs/cost-range';
import { IngestionError, validationFailed } from '../ingestion.errors';
import { decodeKeysetCursor, encodeKeysetCursor } from '../keyset-cursor';
import { TraceQueryRepository, type TraceFilters } from './trace-query.repository';
import { SpanContentStore } from './span-content.store';
import { buildSpanTree } from './trace-tree';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
/** A session view lists at most this many of its traces (its totals count them all). */
export const SESSION_TRACE_LIST_MAX = 500;
const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * Trace and session queries of the context's project. The input is checked again here (it may come from elsewhere
 * on the bus); another project's trace or session answers not found, as an unknown one does.
 */
@Injectable()
export class TraceQueries {
  constructor(
    private readonly traces: TraceQueryRepository,
    private readonly contents: SpanContentStore,
  ) {}

  async list(scope: ProjectScope, request: TracesRequest): Promise<TracesPage> {
    const errors: FieldError[] = [];
    const range = checkRange(request, errors);
    const limit = checkLimit(request.limit, errors);
    const filters = checkTraceFilters(request, errors);
    if (errors.length > 0) throw validationFailed(errors);
    const cursor = request.cursor ? decodeKeysetCursor(request.cursor) : undefined;
    const rows = await this.traces.list(scope, range, filters, cursor, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { data: page, nextCursor: rows.length > limit && last ? encodeKeysetCursor({ at: last.startedAt, id: last.traceId }) : null };
  }

  async trace(scope: ProjectScope, request: TraceRef): Promise<TraceView> {
    const traceId = checkTraceId(request.traceId);
    const summary = await this.traces.summary(scope, traceId);
    if (!summary) throw traceNotFound();
    const [spans, flagDetails, contents] = await Promise.all([
      this.traces.spans(scope, traceId),
      this.traces.flags(scope, traceId),
      this.contents.readTrace(scope.projectId, traceId),
    ]);
    // Captured text, decrypted for this answer only: it is never logged, and never cached.
    const withContent = spans.map((span) => {
      const content = contents.get(span.spanId);
      return content
        ? { ...span, content: { input: content.input ?? null, output: content.output ?? null, truncated: content.truncated } }
        : span;
    });
    return { ...summary, spans: buildSpanTree(withContent, flagDetails), flagDetails };
  }

  async sessions(scope: ProjectScope, request: SessionsRequest): Promise<SessionsPage> {
    const errors: FieldError[] = [];
    const range = checkRange(request, errors);
    const limit = checkLimit(request.limit, errors);
    const userId = checkText(request.userId, '/userId', errors);
    if (errors.length > 0) throw validationFailed(errors);
    const cursor = request.cursor ? decodeKeysetCursor(request.cursor) : undefined;
    const rows = await this.traces.sessions(scope, range, userId, cursor, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => row.summary),
      nextCursor: rows.length > limit && last ? encodeKeysetCursor({ at: last.lastStartedAt, id: last.summary.sessionId }) : null,
    };
  }

  async session(scope: ProjectScope, request: SessionRef): Promise<SessionView> {
    const errors: FieldError[] = [];
    const sessionId = checkText(request.sessionId, '/sessionId', errors);
    if (errors.length > 0 || sessionId === undefined)
      throw validationFailed(errors.length ? errors : [{ field: '/sessionId', message: 'is required' }]);
    const summary = await this.traces.session(scope, sessionId);
    if (!summary) throw new IngestionError(IngestionErrorCode.SessionNotFound, 'no trace of this project carries that session id');
    const traceList = await this.traces.sessionTraces(scope, sessionId, SESSION_TRACE_LIST_MAX);
    return { ...summary, traceList };
  }
}

function traceNotFound(): IngestionError {
  return new IngestionError(IngestionErrorCode.TraceNotFound, 'no span or model call of this project has that trace id');
}

/** A malformed id names no trace of the project: not found, like another project's. */
function checkTraceId(traceId: unknown): string {
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) throw traceNotFound();
  return traceId;
}

function checkTraceFilters(request: TracesRequest, errors: FieldError[]): TraceFilters {
  const filters: TraceFilters = {};
  if (request.status !== undefined) {
    if (request.status === 'ok' || request.status === 'error') filters.status = request.status;
    else errors.push({ field: '/status', message: 'must be ok or error' });
  }
  if (request.flag !== undefined) {
    if (TRACE_FLAG_TYPES.includes(request.flag)) filters.flag = request.flag as TraceFlagType;
    else errors.push({ field: '/flag', message: `must be one of ${TRACE_FLAG_TYPES.join(', ')}` });
  }
  filters.userId = checkText(request.userId, '/userId', errors);
  filters.sessionId = checkText(request.sessionId, '/sessionId', errors);
  filters.name = checkText(request.name, '/name', errors);
  if (request.minCost !== undefined) {
    if (isDecimalString(request.minCost)) filters.minCost = request.minCost;
    else errors.push({ field: '/minCost', message: 'must be a non-negative decimal string, e.g. 0.05' });
  }
  if (request.tag !== undefined) {
    const separator = typeof request.tag === 'string' ? request.tag.indexOf(':') : -1;
    const key = separator > 0 ? request.tag.slice(0, separator) : '';
    const value = separator > 0 ? request.tag.slice(separator + 1) : '';
    if (
      key.length === 0 ||
      key.length > USAGE_LIMITS.maxTagKeyLength ||
      value.length === 0 ||
      value.length > USAGE_LIMITS.maxTagValueLength
    ) {
      errors.push({ field: '/tag', message: 'must be key:value' });
    } else filters.tag = { key, value };
  }
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as TraceFilters;
}

function checkText(value: unknown, field: string, errors: FieldError[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > USAGE_LIMITS.maxStringLength) {
    errors.push({ field, message: `must be a string of 1 to ${USAGE_LIMITS.maxStringLength} characters` });
    return undefined;
  }
  return value;
}

function checkRange(request: { from: string; to: string }, errors: FieldError[]): Interval {
  const from = typeof request.from === 'string' ? parseRfc3339(request.from) : undefined;
  const to = typeof request.to === 'string' ? parseRfc3339(request.to) : undefined;
  if (from === undefined) errors.push({ field: '/from', message: 'must be an RFC 3339 date-time' });
  if (to === undefined) errors.push({ field: '/to', message: 'must be an RFC 3339 date-time' });
  if (from !== undefined && to !== undefined && from >= to) errors.push({ field: '/to', message: 'must be after from' });
  return { from: new Date(from ?? 0), to: new Date(to ?? 0) };
}

function checkLimit(limit: number | undefined, errors: FieldError[]): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    errors.push({ field: '/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
  }
  return limit;
}
