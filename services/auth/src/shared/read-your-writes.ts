import type { Pool } from 'pg';

/** The projection that builds every auth read model, and the name of its checkpoint row. */
export const READ_MODEL_PROJECTION = { schema: 'auth', projection: 'read-models' } as const;

const POLL_MS = 10;

/**
 * Waits until the read models have applied the event at `position`, so the next request (or this reply) reads
 * what the command wrote. Bounded: after `timeoutMs` the caller answers anyway; the write itself is committed.
 */
export async function waitForProjection(pool: Pool, position: number | undefined, timeoutMs: number): Promise<boolean> {
  if (position === undefined) return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ position: string }>(`SELECT position FROM auth.projection_checkpoints WHERE projection = $1`, [
      READ_MODEL_PROJECTION.projection,
    ]);
    if (rows.length && Number(rows[0].position) >= position) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
