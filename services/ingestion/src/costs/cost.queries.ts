import {
  parseRfc3339,
  type CostBreakdown,
  type CostBreakdownRequest,
  type CostGroupBy,
  type CostSplitBy,
  type CostSummary,
  type CostSummaryRequest,
  type FieldError,
  type UsageRecordsRequest,
} from '@llmlab/contracts';
import { Injectable } from '@nestjs/common';
import type { OrganizationScope, ProjectScope } from '@llmlab/domain';
import { validationFailed } from '../ingestion.errors';
import { decodeKeysetCursor, encodeKeysetCursor } from '../keyset-cursor';
import { previousPeriod, type Interval } from './cost-range';
import { CostRepository, isProjectScope } from './cost.repository';
import { iso } from './usage-export.encoding';
import { UsageRecordRepository, type UsageRecordLine } from './usage-record.repository';

const FIXED_GROUPS: readonly string[] = ['provider', 'model', 'day', 'hour', 'user', 'project', 'trace'];
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** The most of a records page's JSON, in bytes, past which it ends early (at least one record). */
const PAGE_BUDGET_BYTES = 1024 * 1024;

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

  /**
   * Newest first, keyset-paginated on (timestamp, event id), so pages stay stable while records arrive. The page is
   * the bytes of its JSON (a `UsageRecordsPage`), its records written straight from the rows, sent on as they are.
   */
  async usageRecords(scope: ProjectScope, request: UsageRecordsRequest): Promise<Buffer> {
    const errors: FieldError[] = [];
    const range = checkRange(request, errors);
    const limit = checkLimit(request.limit, errors);
    checkStatus(request.status, errors);
    if (errors.length > 0) throw validationFailed(errors);
    const cursor = request.cursor ? decodeKeysetCursor(request.cursor) : undefined;
    const filters = { model: request.model, userId: request.userId, status: request.status };
    const rows = await this.records.list(scope, range, filters, cursor, limit + 1);
    return writePage(rows, limit);
  }
}

/**
 * The page's JSON, each record's written once, straight into one buffer (joining the records' strings and encoding
 * the result took several times as long). The records after `limit`, or past PAGE_BUDGET_BYTES (a record may carry
 * 16 KiB of metadata), are left for the next page; at least one is written.
 */
function writePage(rows: UsageRecordLine[], limit: number): Buffer {
  let longest = 0;
  let chars = 0;
  for (const row of rows) {
    longest = Math.max(longest, row.json.length);
    chars += row.json.length + 1;
  }
  // Room for every byte written: at most 3 per UTF-16 unit, the page stops one record past the budget, and the
  // brackets and the cursor take less than 4 KiB.
  const out = Buffer.allocUnsafe(Math.min(3 * chars, PAGE_BUDGET_BYTES + 3 * longest) + 4096);
  let at = out.write('{"data":[', 0, 'latin1');
  let taken = 0;
  for (const row of rows.slice(0, limit)) {
    const start = at;
    if (taken > 0) at += out.write(',', at, 'latin1');
    at += out.write(row.json, at, 'utf8');
    if (at > PAGE_BUDGET_BYTES && taken > 0) {
      at = start;
      break;
    }
    taken++;
  }
  const last = rows[taken - 1];
  const nextCursor = rows.length > taken && last ? encodeKeysetCursor({ at: iso(last.at), id: last.id }) : null;
  at += out.write(`],"nextCursor":${JSON.stringify(nextCursor)}}`, at, 'latin1');
  return out.subarray(0, at);
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
