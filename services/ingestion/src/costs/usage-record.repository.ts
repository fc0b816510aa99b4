import { Inject, Injectable } from '@nestjs/common';
import type { UsageStatus } from '@llmlab/contracts';
import type { ProjectScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import { escapeLiteral, type Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Interval } from './cost-range';
import type { KeysetCursor } from '../keyset-cursor';
import { EXPORT_SELECT_LIST, ExportLineEncoder, ExportRowDecoder } from './usage-export.encoding';

export interface UsageRecordFilters {
  model?: string;
  userId?: string;
  status?: UsageStatus;
}

/** One record of a page: its JSON (`JSON.stringify` of its `UsageRecordView`) and where it stands in the order. */
export interface UsageRecordLine {
  json: string;
  /** The record's timestamp, Unix ms (the column keeps milliseconds: exact). */
  at: number;
  id: string;
}

/**
 * The binary COPY of a project's records in a range, newest first, in the export's columns (EXPORT_SELECT_LIST): the
 * export's whole range, or a page of `limit` after a cursor. Every value is a quoted literal (COPY takes no bind
 * parameters); the organization id is part of every query.
 */
export function usageRecordsCopy(
  scope: ProjectScope,
  range: Interval,
  filters: UsageRecordFilters,
  page?: { after?: KeysetCursor; limit: number },
): string {
  const where = [
    `organization_id = ${escapeLiteral(scope.organizationId)}::uuid`,
    `project_id = ${escapeLiteral(scope.projectId)}::uuid`,
    `occurred_at >= ${escapeLiteral(range.from.toISOString())}::timestamptz`,
    `occurred_at < ${escapeLiteral(range.to.toISOString())}::timestamptz`,
  ];
  if (filters.model !== undefined) where.push(`model = ${escapeLiteral(filters.model)}`);
  if (filters.userId !== undefined) where.push(`user_id = ${escapeLiteral(filters.userId)}`);
  if (filters.status !== undefined) where.push(`status = ${escapeLiteral(filters.status)}`);
  if (page?.after) {
    // The row comparison is an index condition (a page starts reading at the cursor; an OR of the two cases would
    // be a filter, every page reading again all the records before it), and the bound on occurred_at alone lets
    // the planner skip the months after the cursor.
    const at = `${escapeLiteral(page.after.at)}::timestamptz`;
    where.push(`occurred_at <= ${at}`, `(occurred_at, event_id) < (${at}, ${escapeLiteral(page.after.id)})`);
  }
  return (
    `COPY (SELECT ${EXPORT_SELECT_LIST} FROM ingestion.usage_records WHERE ${where.join(' AND ')} ` +
    `ORDER BY occurred_at DESC, event_id DESC${page ? ` LIMIT ${Math.trunc(page.limit)}` : ''}) TO STDOUT (FORMAT binary)`
  );
}

/**
 * Usage records of one project, newest first, read as the export reads them: a binary COPY of the page's rows, each
 * written straight as its JSON (usage-export.encoding.ts). No row objects, no view objects, no JSON.stringify of
 * them: a page of 1,000 took about 20 ms of the service's CPU that way (docs/benchmarks.md, "The export page").
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
  ): Promise<UsageRecordLine[]> {
    const sql = usageRecordsCopy(scope, range, filters, { after, limit: take });
    const client = await this.pool.connect();
    const decoder = new ExportRowDecoder();
    const encoder = new ExportLineEncoder('jsonl');
    const lines: UsageRecordLine[] = [];
    try {
      for await (const data of client.query(copyTo(sql))) {
        decoder.push(data as Buffer, (row) => lines.push({ json: encoder.record(row), at: row[1] as number, id: row[0] as string }));
      }
      decoder.finish();
    } catch (err) {
      // A COPY that failed part-way leaves the connection in no state to reuse.
      client.release(err as Error);
      throw err;
    }
    client.release();
    return lines;
  }
}
