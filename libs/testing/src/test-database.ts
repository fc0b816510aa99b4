import { Client } from 'pg';
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
