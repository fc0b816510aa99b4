import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';

/**
 * Monthly partitions of `ingestion.usage_records`. The maintenance schedule creates the months around now; the
 * projection asks for the months of each batch (an old month after a rebuild, a month nobody created yet), which
 * costs a query only the first time this process sees the month. A month the function could not create lands in
 * the default partition, from which the next creation moves it.
 */
@Injectable()
export class UsagePartitions {
  private readonly known = new Set<string>();

  async ensure(client: Pool | PoolClient, instants: Iterable<string>): Promise<void> {
    const months = new Set<string>();
    for (const instant of instants) months.add(instant.slice(0, 7));
    for (const month of months) {
      if (this.known.has(month)) continue;
      await client.query('SELECT ingestion.ensure_usage_partition($1::timestamptz)', [`${month}-01T00:00:00Z`]);
      this.known.add(month);
    }
  }

  /** Creates the months from `monthsBack` before `now` to `monthsAhead` after it, whatever this process believes. */
  async ensureAround(pool: Pool, now: Date, monthsBack: number, monthsAhead: number): Promise<void> {
    for (let offset = -monthsBack; offset <= monthsAhead; offset++) {
      const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
      await pool.query('SELECT ingestion.ensure_usage_partition($1::timestamptz)', [month.toISOString()]);
      this.known.add(month.toISOString().slice(0, 7));
    }
  }
}
