import type { ClientBase, Pool } from 'pg';
import { bucketOf, ROLLUP_METRICS, ROLLUPS } from '../src/read-models/usage-projection.repository';

/** A rollup's rows as text, one line per row (keys then metrics), sorted. */
export interface RollupRows {
  table: string;
  rows: string[];
}

/** The records' own figures, as each rollup metric sums them. */
const RECORD_SUMS: Record<(typeof ROLLUP_METRICS)[number], string> = {
  requests: 'count(*)',
  errors: "count(*) FILTER (WHERE status = 'error')",
  unpriced: "count(*) FILTER (WHERE cost_status = 'unpriced')",
  input_tokens: 'sum(input_tokens)',
  output_tokens: 'sum(output_tokens)',
  cached_input_tokens: 'sum(cached_input_tokens)',
  cache_write_tokens: 'sum(cache_write_tokens)',
  reasoning_tokens: 'sum(reasoning_tokens)',
  cost: 'sum(coalesce(cost, 0))::numeric(60,12)',
  latency_ms_sum: 'coalesce(sum(latency_ms), 0)',
};

const line = (columns: string[]) => `concat_ws('|', ${columns.map((c) => `(${c})::text`).join(', ')})`;

/** Every rollup's rows of an organization, as the tables hold them. */
export async function rollupRows(sql: Pool | ClientBase, organizationId: string): Promise<RollupRows[]> {
  const result: RollupRows[] = [];
  for (const rollup of ROLLUPS) {
    const columns = [...rollup.tenant, 'bucket', ...rollup.family.dimensions.map(([column]) => column), ...ROLLUP_METRICS];
    const { rows } = await sql.query<{ line: string }>(
      `SELECT ${line(columns)} AS line FROM ingestion.${rollup.table} WHERE organization_id = $1 ORDER BY 1`,
      [organizationId],
    );
    result.push({ table: rollup.table, rows: rows.map((r) => r.line) });
  }
  return result;
}

/** What every rollup of an organization must hold: the sums of its usage records by the rollup's keys. */
export async function recordSums(sql: Pool | ClientBase, organizationId: string): Promise<RollupRows[]> {
  const result: RollupRows[] = [];
  for (const rollup of ROLLUPS) {
    const keys = [...rollup.tenant, bucketOf(rollup.grain), ...rollup.family.dimensions.map(([, expr]) => expr)];
    const source = 'ingestion.usage_records';
    const { rows } = await sql.query<{ line: string }>(
      `SELECT ${line([...keys, ...ROLLUP_METRICS.map((m) => RECORD_SUMS[m])])} AS line
       FROM ${rollup.family.from ? rollup.family.from(source) : source} WHERE organization_id = $1
       GROUP BY ${keys.join(', ')} ORDER BY 1`,
      [organizationId],
    );
    result.push({ table: rollup.table, rows: rows.map((r) => r.line) });
  }
  return result;
}

/**
 * Where no records remain (a month past retention), the rollups summing others must still: the organization's the
 * sums of its projects', the end users' months the sums of their days. Pairs of [what is held, what it sums].
 */
export async function derivedRollups(sql: Pool | ClientBase, organizationId: string): Promise<[string[], string[]][]> {
  const sums = ROLLUP_METRICS.map((m) => `sum(${m})`);
  const pairs: [string, string][] = [
    [
      `SELECT ${line(['organization_id', 'bucket', 'provider', 'model', ...ROLLUP_METRICS])} AS line FROM ingestion.usage_rollups_org_hourly WHERE organization_id = $1`,
      `SELECT ${line(['organization_id', 'bucket', 'provider', 'model', ...sums])} AS line FROM ingestion.usage_rollups_hourly WHERE organization_id = $1 GROUP BY organization_id, bucket, provider, model`,
    ],
    [
      `SELECT ${line(['organization_id', 'bucket', 'provider', 'model', ...ROLLUP_METRICS])} AS line FROM ingestion.usage_rollups_org_daily WHERE organization_id = $1`,
      `SELECT ${line(['organization_id', 'bucket', 'provider', 'model', ...sums])} AS line FROM ingestion.usage_rollups_daily WHERE organization_id = $1 GROUP BY organization_id, bucket, provider, model`,
    ],
    [
      `SELECT ${line(['organization_id', 'bucket', 'tag_key', 'tag_value', ...ROLLUP_METRICS])} AS line FROM ingestion.usage_rollups_org_daily_tags WHERE organization_id = $1`,
      `SELECT ${line(['organization_id', 'bucket', 'tag_key', 'tag_value', ...sums])} AS line FROM ingestion.usage_rollups_daily_tags WHERE organization_id = $1 GROUP BY organization_id, bucket, tag_key, tag_value`,
    ],
    [
      `SELECT ${line(['project_id', 'bucket', 'user_id', ...ROLLUP_METRICS])} AS line FROM ingestion.usage_rollups_monthly_users WHERE organization_id = $1`,
      `SELECT ${line(['project_id', "date_trunc('month', bucket, 'UTC')", 'user_id', ...sums])} AS line FROM ingestion.usage_rollups_daily_users WHERE organization_id = $1
        GROUP BY project_id, date_trunc('month', bucket, 'UTC'), user_id`,
    ],
    [
      `SELECT ${line(['organization_id', 'bucket', 'user_id', ...ROLLUP_METRICS])} AS line FROM ingestion.usage_rollups_org_monthly_users WHERE organization_id = $1`,
      `SELECT ${line(['organization_id', 'bucket', 'user_id', ...sums])} AS line FROM ingestion.usage_rollups_monthly_users WHERE organization_id = $1 GROUP BY organization_id, bucket, user_id`,
    ],
  ];
  const lines = async (statement: string) =>
    (await sql.query<{ line: string }>(`${statement} ORDER BY 1`, [organizationId])).rows.map((r) => r.line);
  const result: [string[], string[]][] = [];
  for (const [held, summed] of pairs) result.push([await lines(held), await lines(summed)]);
  return result;
}
