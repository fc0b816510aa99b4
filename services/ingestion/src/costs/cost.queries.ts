import {
  parseRfc3339,
  type CostBreakdown,
  type CostBreakdownRequest,
  type CostGroupBy,
  type CostSplitBy,
  type CostSummary,
  type CostSummaryRequest,
  type FieldError,
  type UsageRecordsPage,
  type UsageRecordsRequest,
  type UsageRecordView,
} from '@llmlab/contracts';
import { Injectable } from '@nestjs/common';
import type { OrganizationScope, ProjectScope } from '@llmlab/domain';
import { validationFailed } from '../ingestion.errors';
import { decodeKeysetCursor, encodeKeysetCursor } from '../keyset-cursor';
import { previousPeriod, type Interval } from './cost-range';
import { CostRepository, isProjectScope } from './cost.repository';
import { UsageRecordRepository } from './usage-record.repository';

const FIXED_GROUPS: readonly string[] = ['provider', 'model', 'day', 'hour', 'user', 'project', 'trace'];
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Half of NATS' default `max_payload`: room for the reply envelope and the rest of the page. */
const REPLY_BUDGET_BYTES = 512 * 1024;

/**
 * Cost and usage queries of a project or an organization: the scope the gateway resolved and checked the caller's
 * access to, from the request's context. This checks the input again (it may come from elsewhere on the bus) and
 * never reads outside the scope.
 */
@Injectable()
export class CostQueries {
  constructor(
    private readonly costs: CostRepository,
    private readonly records: UsageRecordRepository,
  ) {}

  async summary(scope: OrganizationScope, request: CostSummaryRequest): Promise<CostSummary> {
    const errors: FieldError[] = [];
    const range = checkRange(request, errors);
    if (errors.length > 0) throw validationFailed(errors);
    const previous = previousPeriod(range.from, range.to);
    const [current, before, traces] = await Promise.all([
      this.costs.totals(scope, range),
      this.costs.totals(scope, previous),
      this.costs.traceCounts(scope, range),
    ]);
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      current,
      previous: { ...before, from: previous.from.toISOString(), to: previous.to.toISOString() },
      traces,
    };
  }

  async breakdown(scope: OrganizationScope, request: CostBreakdownRequest): Promise<CostBreakdown> {
    const errors: FieldError[] = [];
    const range = checkRange(request, errors);
    const groupBy = checkGroupBy(scope, request, errors);
    const limit = checkLimit(request.limit, errors);
    const splitBy = checkSplitBy(scope, request, errors);
    const provider = checkFilter(request.provider, '/provider', errors);
    const model = checkFilter(request.model, '/model', errors);
    if (errors.length > 0) throw validationFailed(errors);
    const rows = await this.costs.breakdown(scope, range, groupBy, limit, { splitBy, provider, model });
    return { groupBy, ...(splitBy ? { splitBy } : {}), from: range.from.toISOString(), to: range.to.toISOString(), rows };
  }

  /** Newest first, keyset-paginated on (timestamp, event id), so pages stay stable while records arrive. */
  async usageRecords(scope: ProjectScope, request: UsageRecordsRequest): Promise<UsageRecordsPage> {
    const errors: FieldError[] = [];
    const range = checkRange(request, errors);
    const limit = checkLimit(request.limit, errors);
    checkStatus(request.status, errors);
    if (errors.length > 0) throw validationFailed(errors);
    const cursor = request.cursor ? decodeKeysetCursor(request.cursor) : undefined;
    const filters = { model: request.model, userId: request.userId, status: request.status };
    const rows = await this.records.list(scope, range, filters, cursor, limit + 1);
    const page = withinReplyBudget(rows.slice(0, limit));
    const last = page.at(-1);
    return {
      data: page,
      nextCursor: rows.length > page.length && last ? encodeKeysetCursor({ at: last.timestamp, id: last.id }) : null,
    };
  }
}

/**
 * The records of a page that fit in one NATS reply: a record may carry 16 KiB of metadata, so 1,000 of them could
 * exceed the server's 1 MiB `max_payload`, and a reply that does not fit is never delivered. At least one record.
 */
function withinReplyBudget(rows: UsageRecordView[]): UsageRecordView[] {
  let bytes = 0;
  const fits = rows.findIndex((row, i) => (bytes += Buffer.byteLength(JSON.stringify(row)) + 1) > REPLY_BUDGET_BYTES && i > 0);
  return fits === -1 ? rows : rows.slice(0, fits);
}

export function checkStatus(status: unknown, errors: FieldError[]): void {
  if (status !== undefined && status !== 'success' && status !== 'error')
    errors.push({ field: '/status', message: 'must be success or error' });
}

export function checkRange(request: { from: string; to: string }, errors: FieldError[]): Interval {
  const from = typeof request.from === 'string' ? parseRfc3339(request.from) : undefined;
  const to = typeof request.to === 'string' ? parseRfc3339(request.to) : undefined;
  if (from === undefined) errors.push({ field: '/from', message: 'must be an RFC 3339 date-time' });
  if (to === undefined) errors.push({ field: '/to', message: 'must be an RFC 3339 date-time' });
  if (from !== undefined && to !== undefined && from >= to) errors.push({ field: '/to', message: 'must be after from' });
  return { from: new Date(from ?? 0), to: new Date(to ?? 0) };
}

function checkGroupBy(scope: OrganizationScope, request: CostBreakdownRequest, errors: FieldError[]): CostGroupBy {
  const { groupBy } = request;
  if (typeof groupBy === 'string' && groupBy.startsWith('tag:')) {
    const tag = groupBy.slice('tag:'.length);
    if (tag.length === 0 || tag.length > 64)
      errors.push({ field: '/groupBy', message: 'tag:<name> needs a tag name of 1 to 64 characters' });
    return groupBy;
  }
  if (!FIXED_GROUPS.includes(groupBy)) {
    errors.push({ field: '/groupBy', message: `must be one of ${FIXED_GROUPS.join(', ')} or tag:<name>` });
  } else if (groupBy === 'project' && isProjectScope(scope)) {
    errors.push({ field: '/groupBy', message: 'project is only for an organization-wide breakdown' });
  }
  return groupBy;
}

const SPLITS: readonly string[] = ['provider', 'model', 'project'];

function checkSplitBy(scope: OrganizationScope, request: CostBreakdownRequest, errors: FieldError[]): CostSplitBy | undefined {
  const { splitBy } = request;
  if (splitBy === undefined) return undefined;
  if (!SPLITS.includes(splitBy)) errors.push({ field: '/splitBy', message: `must be one of ${SPLITS.join(', ')}` });
  else if (splitBy === request.groupBy) errors.push({ field: '/splitBy', message: 'must differ from groupBy' });
  else if (splitBy === 'project' && isProjectScope(scope)) {
    errors.push({ field: '/splitBy', message: 'project is only for an organization-wide breakdown' });
  }
  return splitBy;
}

function checkFilter(value: string | undefined, field: string, errors: FieldError[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    errors.push({ field, message: 'must be a string of 1 to 200 characters' });
  }
  return value;
}

function checkLimit(limit: number | undefined, errors: FieldError[]): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    errors.push({ field: '/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
  }
  return limit;
}
