import type { Pool } from 'pg';

/** The projection that builds the budgets, settings, channels, alerts and deliveries read models. */
export const READ_MODEL_PROJECTION = { schema: 'alerts', projection: 'read-models' } as const;

const POLL_MS = 10;

/**
 * Waits until the read models have applied the event at `position`, so the reply and the caller's next request
 * read what the command wrote. Bounded: after `timeoutMs` the caller answers anyway; the write is committed.
 */
export async function waitForProjection(pool: Pool, position: number | undefined, timeoutMs: number): Promise<boolean> {
  if (position === undefined) return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ position: string }>(`SELECT position FROM alerts.projection_checkpoints WHERE projection = $1`, [
      READ_MODEL_PROJECTION.projection,
    ]);
    if (rows.length && Number(rows[0].position) >= position) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
