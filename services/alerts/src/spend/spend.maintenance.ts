import type { Pool } from 'pg';

/** Rows deleted per statement: short transactions, so pruning never holds up the projection for long. */
const PRUNE_BATCH = 10_000;

export interface SpendRetention {
  /** Days an event id is remembered: longer than the oldest copy the platform still accepts. */
  dedupDays: number;
  /** Days of hourly aggregates (and of evaluated traces' outcomes) kept. */
  aggregateDays: number;
}

/** Deletes claims and aggregates older than their retention. Running it on several replicas at once is harmless. */
export async function pruneSpend(pool: Pool, retention: SpendRetention, now: Date): Promise<number> {
  const day = 86_400_000;
  const claims = new Date(now.getTime() - retention.dedupDays * day);
  const aggregates = new Date(now.getTime() - retention.aggregateDays * day);
  let total = 0;
  for (const [table, column, cutoff] of [
    ['usage_claims', 'claimed_at', claims],
    ['spend_hourly', 'hour', aggregates],
    ['trace_outcomes', 'evaluated_at', aggregates],
  ] as const) {
    for (;;) {
      const { rowCount } = await pool.query(
        `DELETE FROM alerts.${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM alerts.${table} WHERE ${column} < $1 LIMIT ${PRUNE_BATCH}))`,
        [cutoff],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PRUNE_BATCH) break;
    }
  }
  return total;
}
