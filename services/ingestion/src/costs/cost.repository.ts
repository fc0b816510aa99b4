import { Inject, Injectable } from '@nestjs/common';
import type { CostBreakdownRow, CostGroupBy, CostSplitBy, CostTotals, TraceCounts } from '@llmlab/contracts';
import { toMoneyString, type OrganizationScope, type ProjectScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import type { RollupMetric } from '../read-models/usage-projection.repository';
import { oneBucket, planRange, type Grain, type Interval, type RangePiece } from './cost-range';

/** Whether a scope is one project's (a project scope is its organization's scope narrowed to the project). */
export function isProjectScope(scope: OrganizationScope): scope is ProjectScope {
  return 'projectId' in scope;
}

type Source = Grain | 'records';

/** How one grouping reads each source: which rollup table, the key expression, and an extra filter. */
interface GroupSpec {
  grains: Grain[];
  tables: Partial<Record<Grain, string>>;
  key: Partial<Record<Source, string>>;
  filter?: Partial<Record<Source, string>>;
  /** The second dimension (`splitBy`), per source. */
  split?: Partial<Record<Source, string>>;
  /** Groups into thousands of keys (end users, tag values, trace names), which need more memory than the default. */
  manyKeys?: boolean;
  /**
   * Per source, the condition matching its rows to a ranked key (an expression naming the key), on columns an index
   * has: with it, a ranking is computed in two phases (see `sum`).
   */
  keyMatch?: Partial<Record<Source, (key: string) => string>>;
}

/** A breakdown's second dimension and filters. */
export interface BreakdownOptions {
  splitBy?: CostSplitBy;
  provider?: string;
  model?: string;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const isoOf = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', ${ISO})`;
const MAIN_TABLES = { day: 'usage_rollups_daily', hour: 'usage_rollups_hourly' };
/** The same sums without the project dimension: an organization's summary and breakdowns read a fiftieth of the rows. */
const ORGANIZATION_TABLES = { day: 'usage_rollups_org_daily', hour: 'usage_rollups_org_hourly' };
/**
 * The records' metrics the queries sum, named as the rollups name them (every rollup metric but the latency sum),
 * in the order the statements list them.
 */
const RECORD_METRICS: Record<Exclude<RollupMetric, 'latency_ms_sum'>, string> = {
  cost: 'coalesce(cost, 0)',
  requests: '1::bigint',
  errors: "(status = 'error')::int::bigint",
  unpriced: "(cost_status = 'unpriced')::int::bigint",
  input_tokens: 'input_tokens',
  output_tokens: 'output_tokens',
  cached_input_tokens: 'cached_input_tokens',
  cache_write_tokens: 'cache_write_tokens',
  reasoning_tokens: 'reasoning_tokens',
};
const METRICS = Object.keys(RECORD_METRICS) as (keyof typeof RECORD_METRICS)[];
/** Enough for the hash table of 10,000 users' sums; set for one statement, so at most one such per connection. */
const GROUPING_WORK_MEM = '32MB';
/** One round trip: the transaction and its settings for a grouping into thousands of keys (simple protocol, no parameters). */
const GROUPING_SETTINGS = `BEGIN READ ONLY; SET LOCAL work_mem = '${GROUPING_WORK_MEM}'; SET LOCAL max_parallel_workers_per_gather = 0`;

interface SumRow {
  key: string | null;
  split: string | null;
  cost: string | null;
  requests: string | null;
  errors: string | null;
  unpriced: string | null;
  input_tokens: string | null;
  output_tokens: string | null;
  cached_input_tokens: string | null;
  cache_write_tokens: string | null;
  reasoning_tokens: string | null;
}

/**
 * Sums over the rollups and, at the edges of a range, the records (see `planRange`), of an organization or one of
 * its projects: every query names the organization, so no query crosses tenants.
 */
@Injectable()
export class CostRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async totals(scope: OrganizationScope, range: Interval): Promise<CostTotals> {
    const [row] = await this.sum(scope, range, {
      ...mainTables(scope),
      grains: ['day', 'hour'],
      key: { day: 'NULL::text', hour: 'NULL::text', records: 'NULL::text' },
    });
    return toTotals(row);
  }

  /** The traces that started in the range, and those whose latest evaluation flagged them. */
  async traceCounts(scope: OrganizationScope, range: Interval): Promise<TraceCounts> {
    const params: unknown[] = [scope.organizationId, range.from, range.to];
    const project = isProjectScope(scope) ? `AND project_id = $${params.push(scope.projectId)}::uuid` : '';
    const { rows } = await this.pool.query<{ total: string; flagged: string }>(
      `SELECT count(*)::text AS total, count(*) FILTER (WHERE cardinality(flags) > 0)::text AS flagged
       FROM ingestion.traces
       WHERE organization_id = $1::uuid ${project} AND started_at >= $2::timestamptz AND started_at < $3::timestamptz`,
      params,
    );
    return { total: Number(rows[0].total), flagged: Number(rows[0].flagged) };
  }

  async breakdown(
    scope: OrganizationScope,
    range: Interval,
    groupBy: CostGroupBy,
    limit: number,
    options: BreakdownOptions = {},
  ): Promise<CostBreakdownRow[]> {
    const params: unknown[] = [];
    const add = (value: unknown) => `$${params.push(value)}`;
    const spec = refine(groupSpec(scope, groupBy, add), options, add);
    const rows = await this.sum(scope, range, spec, limit, params);
    return rows.map((row) => ({ key: row.key, ...(options.splitBy ? { split: row.split ?? '' } : {}), ...toTotals(row) }));
  }

  private async sum(scope: OrganizationScope, range: Interval, spec: GroupSpec, limit?: number, extra: unknown[] = []): Promise<SumRow[]> {
    const params = [...extra];
    const add = (value: unknown) => `$${params.push(value)}`;
    const organization = `organization_id = ${add(scope.organizationId)}::uuid`;
    const project = isProjectScope(scope) ? `project_id = ${add(scope.projectId)}::uuid` : undefined;
    const where = (piece: RangePiece, column: string) => {
      const bucket = oneBucket(piece);
      return [
        organization,
        // A project's scope reads its project's rollups only, never the organization's (they have no project).
        ...(project ? [project] : []),
        bucket
          ? `${column} = ${add(bucket)}::timestamptz`
          : `${column} >= ${add(piece.from)}::timestamptz AND ${column} < ${add(piece.to)}::timestamptz`,
        ...(spec.filter?.[piece.source] ? [spec.filter[piece.source]] : []),
      ].join(' AND ');
    };

    const pieces = planRange(range.from, range.to, spec.grains);
    /**
     * The pieces' rows as key, split and `metrics`; a piece subtracted (a bucket's part outside the range) gives its
     * sums negated (see planRange). With `ranked`, only the rows of the keys ranked, each named by its ranked key.
     */
    const parts = (metrics: readonly (typeof METRICS)[number][], ranked?: string) =>
      pieces
        .map((piece) => {
          const negate = (expr: string) => (piece.sign < 0 ? `-${expr}` : expr);
          const records = piece.source === 'records';
          const values = metrics.map((m) => `${negate(records ? RECORD_METRICS[m] : m)} AS ${m}`).join(', ');
          const [table, column] = records ? ['usage_records', 'occurred_at'] : [spec.tables[piece.source as Grain], 'bucket'];
          const rows = where(piece, column);
          if (ranked) {
            return `SELECT r.key, r.split, ${values}
         FROM ${ranked} r JOIN ingestion.${table} ON ${rows} AND ${spec.keyMatch![piece.source]!('r.key')}`;
          }
          return `SELECT ${spec.key[piece.source]} AS key, ${spec.split?.[piece.source] ?? 'NULL::text'} AS split, ${values}
         FROM ingestion.${table} WHERE ${rows}`;
        })
        .join('\nUNION ALL\n');
    const sums = `sum(cost)::text AS cost, sum(requests)::text AS requests, sum(errors)::text AS errors,
         sum(unpriced)::text AS unpriced, sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens,
         sum(cached_input_tokens)::text AS cached_input_tokens, sum(cache_write_tokens)::text AS cache_write_tokens,
         sum(reasoning_tokens)::text AS reasoning_tokens`;
    const order = 'ORDER BY sum(cost) DESC, key ASC NULLS LAST, split ASC';
    // A key whose rows cancel out (its usage all in a bucket's part outside the range) had no request in the range.
    const keep = 'GROUP BY key, split HAVING sum(requests) <> 0';
    // Thousands of keys, a page of them asked: rank them on the two sums the order and the filter need, then sum every
    // metric for the page's keys only (an organization's 10,000 end users: about half the time of summing nine metrics,
    // a NUMERIC among them, for every key; docs/benchmarks.md). The same rows, the same order, the same sums.
    const twoPhase = limit !== undefined && spec.keyMatch !== undefined && spec.split === undefined && spec.grains.length > 0;
    const statement = twoPhase
      ? `WITH ranked AS MATERIALIZED (
         SELECT key, split FROM (${parts(['cost', 'requests'])}) s
         ${keep} ${order} LIMIT ${add(limit)}
       )
       SELECT key, split, ${sums} FROM (${parts(METRICS, 'ranked')}) s
       GROUP BY key, split ${order}`
      : `SELECT key, split, ${sums}
       FROM (${parts(METRICS)}) s
       ${keep} ${order}${limit === undefined ? '' : ` LIMIT ${add(limit)}`}`;
    if (!spec.manyKeys) return (await this.pool.query<SumRow>(statement, params)).rows;
    // Thousands of users or tag values over a month: with the server's default work_mem (4 MB) the grouping sorts
    // on disk; with more for this statement only, it is one hash table in memory (docs/query-plans.md). Without
    // parallel workers: the planner may split the grouping across two more processes, which on a few cores shared
    // by concurrent queries costs their start and a final grouping and gains nothing (docs/benchmarks.md).
    const client = await this.pool.connect();
    try {
      await client.query(GROUPING_SETTINGS);
      const { rows } = await client.query<SumRow>(statement, params);
      await client.query('COMMIT');
      return rows;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** The rollups by provider and model a scope reads: a project's own, or the organization's without the project. */
function mainTables(scope: OrganizationScope): Pick<GroupSpec, 'tables'> {
  return { tables: isProjectScope(scope) ? MAIN_TABLES : ORGANIZATION_TABLES };
}

function groupSpec(scope: OrganizationScope, groupBy: CostGroupBy, add: (value: unknown) => string): GroupSpec {
  switch (groupBy) {
    case 'provider':
    case 'model':
      return { ...mainTables(scope), grains: ['day', 'hour'], key: { day: groupBy, hour: groupBy, records: groupBy } };
    case 'project':
      return {
        grains: ['day', 'hour'],
        tables: MAIN_TABLES,
        key: { day: 'project_id::text', hour: 'project_id::text', records: 'project_id::text' },
      };
    case 'day': {
      const day = (column: string) => isoOf(`date_trunc('day', ${column}, 'UTC')`);
      return {
        ...mainTables(scope),
        grains: ['day', 'hour'],
        key: { day: day('bucket'), hour: day('bucket'), records: day('occurred_at') },
      };
    }
    case 'hour':
      return {
        ...mainTables(scope),
        grains: ['hour'],
        key: { hour: isoOf('bucket'), records: isoOf(`date_trunc('hour', occurred_at, 'UTC')`) },
      };
    // The records alone (no rollup knows traces), each by the root span name of its trace in the same project: a
    // record in no trace, or in one whose root has not arrived, is in the null row, so the rows add up to the total.
    case 'trace':
      return {
        grains: [],
        tables: {},
        manyKeys: true,
        key: {
          records: `(SELECT t.name FROM ingestion.traces t WHERE t.project_id = usage_records.project_id AND t.trace_id = usage_records.trace_id)`,
        },
      };
    // By the month and the day (no hourly rollup: per user and hour it would hold nearly as many rows as the
    // records); a month's ranking reads one row per user and month, an organization's from its own months (no
    // project), its days at the edges of a range from its projects' days.
    case 'user':
      return {
        grains: ['month', 'day'],
        tables: {
          month: isProjectScope(scope) ? 'usage_rollups_monthly_users' : 'usage_rollups_org_monthly_users',
          day: 'usage_rollups_daily_users',
        },
        manyKeys: true,
        key: { month: "nullif(user_id, '')", day: "nullif(user_id, '')", records: 'user_id' },
        // The rollups keep a record without an end user under '' (the null key).
        keyMatch: {
          month: (key) => `user_id = coalesce(${key}, '')`,
          day: (key) => `user_id = coalesce(${key}, '')`,
          records: (key) => `user_id IS NOT DISTINCT FROM ${key}`,
        },
      };
    // An organization's days without the project; hours (a partial day) from the projects' hourly rows.
    default: {
      const tag = add(groupBy.slice('tag:'.length));
      const rollup = `tag_key = ${tag}::text`;
      return {
        grains: ['day', 'hour'],
        tables: {
          day: isProjectScope(scope) ? 'usage_rollups_daily_tags' : 'usage_rollups_org_daily_tags',
          hour: 'usage_rollups_hourly_tags',
        },
        manyKeys: true,
        key: { day: 'tag_value', hour: 'tag_value', records: `tags ->> ${tag}::text` },
        keyMatch: {
          day: (key) => `tag_value = ${key}`,
          hour: (key) => `tag_value = ${key}`,
          records: (key) => `tags ->> ${tag}::text = ${key}`,
        },
        filter: { day: rollup, hour: rollup, records: `tags ? ${tag}::text` },
      };
    }
  }
}

const DIMENSION: Record<CostSplitBy, string> = { provider: 'provider', model: 'model', project: 'project_id::text' };

/**
 * Adds a second dimension and filters to a grouping. The rollups by provider and model and the records have
 * provider, model and project (the organization's rollups no project); the user and tag rollups have neither
 * provider nor model, so such a grouping split or filtered by them is summed from the records alone (exact, and
 * slower over long ranges).
 */
function refine(spec: GroupSpec, options: BreakdownOptions, add: (value: unknown) => string): GroupSpec {
  const conditions: string[] = [];
  if (options.provider !== undefined) conditions.push(`provider = ${add(options.provider)}::text`);
  if (options.model !== undefined) conditions.push(`model = ${add(options.model)}::text`);
  if (options.splitBy === undefined && conditions.length === 0) return spec;
  const byModel = (grain: Grain, table: string | undefined) =>
    grain !== 'month' && (table === MAIN_TABLES[grain] || table === ORGANIZATION_TABLES[grain]);
  const onMainTables = spec.grains.every((grain) => byModel(grain, spec.tables[grain]));
  const grains = onMainTables ? spec.grains : [];
  const sources: Source[] = [...grains, 'records'];
  const both = (a: string | undefined, b: string[]) => [...(a ? [a] : []), ...b].join(' AND ') || undefined;
  return {
    ...spec,
    grains,
    // A split by project needs the project's dimension: the projects' rollups, filtered by the organization.
    ...(options.splitBy === 'project' && onMainTables ? { tables: MAIN_TABLES } : {}),
    filter: Object.fromEntries(sources.map((s) => [s, both(spec.filter?.[s], conditions)])),
    ...(options.splitBy ? { split: Object.fromEntries(sources.map((s) => [s, DIMENSION[options.splitBy!]])) } : {}),
  };
}

function toTotals(row: SumRow | undefined): CostTotals {
  const n = (value: string | null | undefined) => Number(value ?? 0);
  const input = n(row?.input_tokens);
  const output = n(row?.output_tokens);
  return {
    cost: { amount: toMoneyString(row?.cost ?? 0), currency: 'USD' },
    requests: n(row?.requests),
    errors: n(row?.errors),
    unpriced: n(row?.unpriced),
    tokens: {
      input,
      output,
      cachedInput: n(row?.cached_input_tokens),
      cacheWrite: n(row?.cache_write_tokens),
      reasoning: n(row?.reasoning_tokens),
      total: input + output,
    },
  };
}
