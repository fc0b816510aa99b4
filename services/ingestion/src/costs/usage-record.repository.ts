import { Inject, Injectable } from '@nestjs/common';
import type { UsageRecordView, UsageStatus } from '@llmlab/contracts';
import type { ProjectScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import type { Interval } from './cost-range';
import type { KeysetCursor } from '../keyset-cursor';

export interface UsageRecordFilters {
  model?: string;
  userId?: string;
  status?: UsageStatus;
}

/** The token counts: the view's field and the column, in the view's (and the export's) order. */
export const COUNT_COLUMNS = [
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['cachedInputTokens', 'cached_input_tokens'],
  ['cacheWriteTokens', 'cache_write_tokens'],
  ['cacheWrite1hTokens', 'cache_write_1h_tokens'],
  ['reasoningTokens', 'reasoning_tokens'],
  ['inputAudioTokens', 'input_audio_tokens'],
  ['cachedInputAudioTokens', 'cached_input_audio_tokens'],
  ['outputAudioTokens', 'output_audio_tokens'],
  ['inputImageTokens', 'input_image_tokens'],
  ['cachedInputImageTokens', 'cached_input_image_tokens'],
  ['outputImageTokens', 'output_image_tokens'],
] as const satisfies readonly (readonly [keyof UsageRecordView['usage'], string])[];

type UsageRecordRow = {
  event_id: string;
  occurred_at: Date;
  provider: string;
  model: string;
  status: string;
  error_type: string | null;
  latency_ms: number;
  user_id: string | null;
  trace_id: string | null;
  span_id: string | null;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
  /** NUMERIC(28,12) as PostgreSQL prints it: always 12 decimals. */
  cost: string | null;
  cost_status: string;
  price_entry_id: string | null;
  price_origin: string | null;
  received_at: Date;
} & Record<(typeof COUNT_COLUMNS)[number][1], string>;

const SELECT = `SELECT event_id, occurred_at, provider, model, status, error_type, latency_ms, user_id, trace_id, span_id, tags, metadata,
  ${COUNT_COLUMNS.map(([, column]) => column).join(', ')}, cost::text AS cost, cost_status, price_entry_id, price_origin, received_at
FROM ingestion.usage_records`;

/**
 * Usage records of one project, newest first; the organization id is part of every query. Plain SQL rather than the
 * Prisma client: the export reads every record of a range through here, a page of 1,000 at a time, and the ORM's
 * row mapping cost several times the query itself (docs/benchmarks.md, "Cost queries at scale").
 */
@Injectable()
export class UsageRecordRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(
    scope: ProjectScope,
    range: Interval,
    filters: UsageRecordFilters,
    after: KeysetCursor | undefined,
    take: number,
  ): Promise<UsageRecordView[]> {
    const params: unknown[] = [scope.organizationId, scope.projectId, range.from, range.to];
    const add = (value: unknown) => `$${params.push(value)}`;
    const where = [
      'organization_id = $1::uuid',
      'project_id = $2::uuid',
      'occurred_at >= $3::timestamptz',
      'occurred_at < $4::timestamptz',
    ];
    if (filters.model !== undefined) where.push(`model = ${add(filters.model)}::text`);
    if (filters.userId !== undefined) where.push(`user_id = ${add(filters.userId)}::text`);
    if (filters.status !== undefined) where.push(`status = ${add(filters.status)}::text`);
    if (after) {
      // The row comparison is an index condition (a page starts reading at the cursor; an OR of the two cases would
      // be a filter, every page reading again all the records before it), and the bound on occurred_at alone lets
      // the planner skip the months after the cursor.
      const at = add(new Date(after.at));
      where.push(`occurred_at <= ${at}::timestamptz`, `(occurred_at, event_id) < (${at}::timestamptz, ${add(after.id)}::text)`);
    }
    const { rows } = await this.pool.query<UsageRecordRow>(
      `${SELECT} WHERE ${where.join(' AND ')} ORDER BY occurred_at DESC, event_id DESC LIMIT ${add(take)}`,
      params,
    );
    return rows.map(toView);
  }
}

function toView(row: UsageRecordRow): UsageRecordView {
  return {
    id: row.event_id,
    timestamp: row.occurred_at.toISOString(),
    provider: row.provider,
    model: row.model,
    usage: Object.fromEntries(COUNT_COLUMNS.map(([field, column]) => [field, Number(row[column])])) as UsageRecordView['usage'],
    latencyMs: row.latency_ms,
    status: row.status as UsageStatus,
    errorType: row.error_type,
    userId: row.user_id,
    traceId: row.trace_id,
    spanId: row.span_id,
    tags: row.tags,
    metadata: row.metadata,
    cost: {
      status: row.cost_status as UsageRecordView['cost']['status'],
      amount: row.cost,
      currency: 'USD',
      priceEntryId: row.price_entry_id,
      priceOrigin: row.price_origin as UsageRecordView['cost']['priceOrigin'],
    },
    receivedAt: row.received_at.toISOString(),
  };
}
