import type { Pool } from 'pg';

/**
 * Keeps a dead connection from killing the process. pg emits 'error' on a client whose connection dies while no
 * query of it is running; pg-pool listens for it only while the client is idle, so a client lent out (held between
 * two statements of a transaction, or holding an advisory lock) when PostgreSQL restarts raised an unhandled 'error'
 * event and ended the service (found by `npm run chaos`, docs/reliability.md). The listener on every client only has
 * to exist: the holder's next statement fails ("not queryable"), its work fails or is retried as for any failed
 * statement, and the pool drops the client when it is released. Idle clients' failures go to `report`.
 */
export function handlePoolErrors(pool: Pool, report: (err: Error) => void): void {
  pool.on('error', report);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
}
