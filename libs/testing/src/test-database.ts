import { Client, type Pool } from 'pg';
import { testEnv, uniqueSuffix, withDatabase } from './test-env';

export interface TestDatabase {
  name: string;
  /** Superuser URL of the copy (the migration owner). */
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: testEnv.adminDatabaseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * A fresh, fully migrated database for one test file: a copy of the run's template. Drop it in `afterAll`.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.LLMLAB_TEST_TEMPLATE_DB;
  if (!template) throw new Error('LLMLAB_TEST_TEMPLATE_DB is not set: run through jest (int/e2e projects set it up)');
  const name = `llmlab_t_${uniqueSuffix()}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    name,
    url: withDatabase(testEnv.adminDatabaseUrl, name),
    drop: () => admin((c) => dropDatabase(c, name)),
  };
}

/** How long a drop waits for the database's connections to leave on their own before it ends them. */
const LEAVING_MS = 500;

/**
 * Drops a test database once the connections already leaving it have left: a pool's `end()` resolves as soon as its
 * clients are told to end, before their backends have read that, and a `DROP … WITH (FORCE)` at that moment sends
 * those clients a 57P01 that their pool re-emits as an unhandled 'error' (failing whatever test runs then). What is
 * still connected after `LEAVING_MS` (a test that left a connection open) is ended by FORCE as before.
 */
async function dropDatabase(c: Client, name: string): Promise<void> {
  for (const until = Date.now() + LEAVING_MS; Date.now() < until;) {
    const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
    if (rows[0].n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Lets a test's pool outlive the termination of its idle clients (57P01: the database dropped WITH (FORCE) at a
 * teardown while a client sat idle), which would otherwise be an unhandled 'error' event failing whatever test runs
 * then; any other idle-client error still fails the run.
 */
export function tolerateTeardown<P extends Pool>(pool: P): P {
  pool.on('error', (err) => {
    if ((err as { code?: string }).code !== '57P01') throw err;
  });
  return pool;
}
