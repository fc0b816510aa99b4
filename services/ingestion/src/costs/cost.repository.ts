import { Inject, Injectable, Optional } from '@nestjs/common';
import type { CostBreakdownRow, CostGroupBy, CostSplitBy, CostTotals, TraceCounts } from '@llmlab/contracts';
import { toMoneyString, type OrganizationScope, type ProjectScope } from '@llmlab/domain';
import { PG_POOL, RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { Counter } from 'prom-client';
import type { RollupMetric } from '../read-models/usage-projection.repository';
import { monthsOf, oneBucket, planRange, type Grain, type Interval, type RangePiece } from './cost-range';

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
  /**
   * The month table keeps each row's `cost_tier`, indexed by (organization or project, bucket, tier descending): a
   * page of keys is ranked from the top of each month the range touches (see `rankFromTheTop`).
   */
  costTiers?: boolean;
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
/**
 * A ranking from the top of each month (`costTiers`): the rows read per month in each round, as multiples of the page
 * asked; when the last round does not settle the page, the ranking groups every key of the range.
 */
const THRESHOLD_ROUNDS = [2, 8];
/** Beyond a year of months, the bound of what each month's top leaves unread grows loose: every key is grouped. */
const THRESHOLD_MAX_MONTHS = 13;
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
  /** How rankings from the top of each month ended: whether the top of the months suffices on an install's data. */
  private readonly rankings: Counter<'outcome'>;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(RUNTIME) runtime?: ServiceRuntime,
  ) {
    this.rankings = new Counter({
      name: 'llmlab_cost_rankings_total',
      help: 'Rankings of end users (an organization’s or a project’s) read from the top of each month, by how they ended: first_round, deeper_round, or grouped (every user of the range grouped)',
      labelNames: ['outcome'],
      registers: runtime ? [runtime.metrics.registry] : [],
    });
  }

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
    const pieces = planRange(range.from, range.to, spec.grains);
    const twoPhase = limit !== undefined && spec.keyMatch !== undefined && spec.split === undefined && spec.grains.length > 0;
    const months = spec.costTiers && twoPhase ? monthsOf(range, THRESHOLD_MAX_MONTHS) : [];
    const rounds = months.length > 0 && months.length <= THRESHOLD_MAX_MONTHS ? THRESHOLD_ROUNDS.map((n) => n * limit!) : [];
    const statement = statementOf(scope, spec, pieces, extra);
    const grouping = twoPhase ? statement(rankTwoPhase(limit)) : statement(groupAll(limit));
    if (!spec.manyKeys) return (await this.pool.query<SumRow>(grouping.text, grouping.params)).rows;
    // Thousands of users or tag values over a month: with the server's default work_mem (4 MB) the grouping sorts
    // on disk; with more for this statement only, it is one hash table in memory (docs/query-plans.md). Without
    // parallel workers: the planner may split the grouping across two more processes, which on a few cores shared
    // by concurrent queries costs their start and a final grouping and gains nothing (docs/benchmarks.md).
    const client = await this.pool.connect();
    try {
      await client.query(GROUPING_SETTINGS);
      for (const [i, depth] of rounds.entries()) {
        const round = statement(rankFromTheTop(spec, months, depth, limit!));
        const { rows } = await client.query<SumRow & { settled: boolean }>(round.text, round.params);
        if (rows[0]?.settled) {
          await client.query('COMMIT');
          this.rankings.inc({ outcome: i === 0 ? 'first_round' : 'deeper_round' });
          // A page of no key is one row of nulls (the bound's, joined to nothing).
          return rows.filter((row) => row.cost !== null);
        }
      }
      const { rows } = await client.query<SumRow>(grouping.text, grouping.params);
      await client.query('COMMIT');
      if (rounds.length > 0) this.rankings.inc({ outcome: 'grouped' });
      return rows;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** What a statement's text is written with: its parameters, the scope's condition and the range's pieces. */
interface StatementParts {
  add: (value: unknown) => string;
  /** The scope's rows: its organization's, and its project's for a project. */
  tenant: string;
  /**
   * The pieces' rows as key, split and `metrics`; a piece subtracted (a bucket's part outside the range) gives its
   * sums negated (see planRange). With `ranked`, only the rows of the keys ranked, each named by its ranked key.
   */
  parts: (metrics: readonly Metric[], ranked?: string) => string;
}

type Metric = (typeof METRICS)[number];

/** Writes statements over a range's pieces, each with its own parameters (`extra` first: the spec's own). */
function statementOf(scope: OrganizationScope, spec: GroupSpec, pieces: readonly RangePiece[], extra: readonly unknown[]) {
  return (write: (parts: StatementParts) => string): { text: string; params: unknown[] } => {
    const params = [...extra];
    const add = (value: unknown) => `$${params.push(value)}`;
    const organization = `organization_id = ${add(scope.organizationId)}::uuid`;
    const project = isProjectScope(scope) ? `project_id = ${add(scope.projectId)}::uuid` : undefined;
    // A project's scope reads its project's rollups only, never the organization's (they have no project).
    const tenant = project ? `${organization} AND ${project}` : organization;
    const where = (piece: RangePiece, column: string) => {
      const bucket = oneBucket(piece);
      return [
        tenant,
        bucket
          ? `${column} = ${add(bucket)}::timestamptz`
          : `${column} >= ${add(piece.from)}::timestamptz AND ${column} < ${add(piece.to)}::timestamptz`,
        ...(spec.filter?.[piece.source] ? [spec.filter[piece.source]] : []),
      ].join(' AND ');
    };
    const parts = (metrics: readonly Metric[], ranked?: string) =>
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
    return { text: write({ add, tenant, parts }), params };
  };
}

const SUMS = METRICS.map((m) => `sum(${m})::text AS ${m}`).join(', ');
const ORDER = 'ORDER BY sum(cost) DESC, key ASC NULLS LAST, split ASC';
// A key whose rows cancel out (its usage all in a bucket's part outside the range) had no request in the range.
const KEEP = 'GROUP BY key, split HAVING sum(requests) <> 0';

/** Every key of the range grouped, ordered, and the first `limit` kept. */
function groupAll(limit: number | undefined) {
  return ({ add, parts }: StatementParts) =>
    `SELECT key, split, ${SUMS}
       FROM (${parts(METRICS)}) s
       ${KEEP} ${ORDER}${limit === undefined ? '' : ` LIMIT ${add(limit)}`}`;
}

/**
 * Thousands of keys, a page of them asked: rank them on the two sums the order and the filter need, then sum every
 * metric for the page's keys only (an organization's 10,000 end users: about half the time of summing nine metrics,
 * a NUMERIC among them, for every key; docs/benchmarks.md). The same rows, the same order, the same sums.
 */
function rankTwoPhase(limit: number | undefined) {
  return ({ add, parts }: StatementParts) => `WITH ranked AS MATERIALIZED (
         SELECT key, split FROM (${parts(['cost', 'requests'])}) s
         ${KEEP} ${ORDER} LIMIT ${add(limit)}
       )
       SELECT key, split, ${SUMS} FROM (${parts(METRICS, 'ranked')}) s
       GROUP BY key, split ${ORDER}`;
}

/**
 * A page of keys ranked from the top of each month the range touches (`costTiers`), without grouping every key of
 * the range. A key's cost in the range is at most the sum of its months' costs (a record's cost is never negative),
 * and a month's row not among the `depth` read from its top (so of the last tier read, t, or below) costs less than
 * exp((t + 1) / 12) millionths of a dollar (migration 1768200000000): a key read in no month costs less than
 * `unread`, the sum of those bounds over the months not read to their end. The keys read are summed exactly over the
 * range's pieces; when the page is full and its last key costs more than `unread`, or every month was read to its
 * end, no key left unread can enter it: the page is the one the grouping of every key gives (`settled`).
 */
function rankFromTheTop(spec: GroupSpec, months: readonly Date[], depth: number, limit: number) {
  return ({ add, tenant, parts }: StatementParts) => {
    const lists = months.map(
      (month, i) => `month${i} AS MATERIALIZED (SELECT ${spec.key.month} AS key, cost_tier FROM ingestion.${spec.tables.month}
         WHERE ${tenant} AND bucket = ${add(month)}::timestamptz ORDER BY cost_tier DESC LIMIT ${add(depth)})`,
    );
    // 1.001: a margin over the float rounding of the tier's computation (exp here is NUMERIC's).
    const unread = months.map(
      (_, i) => `(SELECT CASE WHEN count(*) < ${add(depth)} THEN 0 ELSE exp((min(cost_tier) + 1.001) / 12.0) / 1000000 END FROM month${i})`,
    );
    return `WITH ${lists.join(',\n')},
       candidates AS MATERIALIZED (
         SELECT DISTINCT key, NULL::text AS split FROM (${months.map((_, i) => `SELECT key FROM month${i}`).join(' UNION ALL ')}) l
       ),
       page AS MATERIALIZED (
         SELECT key, split, ${METRICS.map((m) => `sum(${m}) AS ${m}`).join(', ')}
         FROM (${parts(METRICS, 'candidates')}) s ${KEEP} ${ORDER} LIMIT ${add(limit)}
       ),
       bound AS (SELECT ${unread.join(' + ')} AS unread)
       SELECT p.key, p.split, ${METRICS.map((m) => `p.${m}::text AS ${m}`).join(', ')},
         b.unread = 0 OR ((SELECT count(*) FROM page) = ${add(limit)} AND (SELECT min(cost) FROM page) > b.unread) AS settled
       FROM bound b LEFT JOIN page p ON true
       ORDER BY p.cost DESC, p.key ASC NULLS LAST, p.split ASC`;
  };
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
        costTiers: true,
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
