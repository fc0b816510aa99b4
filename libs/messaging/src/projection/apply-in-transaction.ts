import { inTransaction } from '@llmlab/persistence';
import type { Pool, PoolClient } from 'pg';

export interface ProjectionRef {
  /** The service's own schema, holding `projection_checkpoints` (see the README for its SQL). */
  schema: string;
  /** One row per projection, e.g. `budgets`. */
  projection: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Applies one event to a read model exactly once: in a single transaction it locks the projection's checkpoint
 * row, skips the event if its position is not past the checkpoint (a redelivery), else runs `write` and moves
 * the checkpoint. The read model and the checkpoint commit together or not at all.
 *
 * Positions only ever move forward, so the consumer feeding a projection must deliver in order
 * (`runConsumer({ concurrency: 1, maxAckPending: 1, … })`). Resolves true when the event was applied.
 */
export async function applyInTransaction(
  pool: Pool,
  ref: ProjectionRef,
  event: { position: number },
  write: (client: PoolClient) => Promise<void>,
): Promise<boolean> {
  if (!IDENTIFIER.test(ref.schema)) throw new Error(`invalid schema name ${JSON.stringify(ref.schema)}`);
  const table = `"${ref.schema}".projection_checkpoints`;
  const skipped = Symbol('skipped');
  const outcome = await inTransaction(pool, async (client) => {
    // Creates the row on first use and, either way, locks it: concurrent appliers of this projection queue here.
    const { rows } = await client.query<{ position: string }>(
      `INSERT INTO ${table} (projection, position) VALUES ($1, 0)
       ON CONFLICT (projection) DO UPDATE SET projection = EXCLUDED.projection
       RETURNING position`,
      [ref.projection],
    );
    // A redelivery: nothing to write, and committing the row lock alone changes nothing.
    if (event.position <= Number(rows[0].position)) return skipped;
    await write(client);
    await client.query(`UPDATE ${table} SET position = $2 WHERE projection = $1`, [ref.projection, event.position]);
    return undefined;
  });
  return outcome !== skipped;
}
