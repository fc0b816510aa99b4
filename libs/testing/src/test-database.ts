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
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
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
