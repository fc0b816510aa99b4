import { Client, Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { handlePoolErrors } from './pool-errors';

// A connection lent out by the pool dies while it runs no query (PostgreSQL restarted, its backend terminated):
// without a listener pg raises an unhandled 'error' event, which ends the process (and fails this test).
describe('handlePoolErrors', () => {
  let db: TestDatabase;
  let pool: Pool;
  const idleFailures: Error[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 3 });
    handlePoolErrors(pool, (err) => idleFailures.push(err));
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  // From a connection of its own: one of the pool's could be the very one to terminate.
  const terminate = async (pid: number) => {
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
  };
  const pidOf = async (client: { query: Pool['query'] }) =>
    (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('lets the holder of a connection that died between two statements fail on its next one, and drops that connection', async () => {
    const held = await pool.connect();
    await held.query('BEGIN');
    const pid = await pidOf(held);
    await terminate(pid);
    await settle();
    await expect(held.query('SELECT 1')).rejects.toThrow();
    held.release();
    const pids = await Promise.all(
      [pool.connect(), pool.connect()].map(async (c) => {
        const client = await c;
        try {
          return await pidOf(client);
        } finally {
          client.release();
        }
      }),
    );
    expect(pids).not.toContain(pid);
  });

  it('reports an idle connection that died', async () => {
    const client = await pool.connect();
    const pid = await pidOf(client);
    client.release();
    await terminate(pid);
    await settle();
    expect(idleFailures.length).toBeGreaterThan(0);
  });
});
