import { Inject, Injectable } from '@nestjs/common';
import type { RecordedSpendGroupBy, RecordedSpendRow } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import type { Interval } from './cost-range';

/** Where a page of recorded spend ended: rows are ordered by day, provider, then model or project. */
export interface RecordedSpendKey {
  day: string;
  provider: string;
  key: string;
}

interface Row {
  day: string;
  provider: string;
  key: string;
  cost: string;
  requests: string;
  unpriced: string;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
}

const KEYS: Record<RecordedSpendGroupBy, string> = { day: `''`, model: 'model', project: 'project_id::text' };

/**
 * Recorded spend per UTC day from the daily rollups (whole days only, which is all reconciliation asks about), of
 * one organization: the organization is the first condition of the only query.
 */
@Injectable()
export class RecordedSpendRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async page(
    scope: OrganizationScope,
    days: Interval,
    groupBy: RecordedSpendGroupBy,
    filters: { provider?: string },
    after: RecordedSpendKey | undefined,
    limit: number,
  ): Promise<RecordedSpendRow[]> {
    const params: unknown[] = [scope.organizationId, days.from, days.to];
    const add = (value: unknown) => `$${params.push(value)}`;
    const where = [`organization_id = $1::uuid`, `bucket >= $2::timestamptz`, `bucket < $3::timestamptz`];
    if (filters.provider !== undefined) where.push(`provider = ${add(filters.provider)}`);
    const c = (expr: string) => `${expr} COLLATE "C"`;
    const keyset = after
      ? `WHERE (${c('day')}, ${c('provider')}, ${c('key')}) > (${add(after.day)}::text, ${add(after.provider)}::text, ${add(after.key)}::text)`
      : '';
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM (
         SELECT to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, provider, ${KEYS[groupBy]} AS key, sum(cost)::text AS cost,
           sum(requests)::text AS requests, sum(unpriced)::text AS unpriced, sum(input_tokens)::text AS input_tokens,
           sum(output_tokens)::text AS output_tokens, sum(cached_input_tokens)::text AS cached_input_tokens
         FROM ingestion.usage_rollups_daily WHERE ${where.join(' AND ')}
         GROUP BY 1, 2, 3) s
       ${keyset}
       ORDER BY ${c('day')}, ${c('provider')}, ${c('key')} LIMIT ${add(limit)}`,
      params,
    );
    return rows.map((row) => ({
      day: row.day,
      provider: row.provider,
      ...(groupBy === 'model' ? { model: row.key } : {}),
      ...(groupBy === 'project' ? { projectId: row.key } : {}),
      cost: { amount: row.cost, currency: 'USD' },
      requests: Number(row.requests),
      unpriced: Number(row.unpriced),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cachedInputTokens: Number(row.cached_input_tokens),
    }));
  }
}
