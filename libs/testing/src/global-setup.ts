import { Client } from 'pg';
// Global setup runs outside Jest's module map, so it imports the library by path.
import { migrateAll } from '../../persistence/src/migrations';
import { testEnv, uniqueSuffix, withDatabase } from './test-env';

/**
 * Runs once per Jest run: builds a template database with every migration set applied. Each test file then
 * copies it (CREATE DATABASE ... TEMPLATE), which takes milliseconds, so files run in parallel in isolation.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.LLMLAB_TEST_TEMPLATE_DB) return;
  const name = `llmlab_tpl_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: testEnv.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  await migrateAll(withDatabase(testEnv.adminDatabaseUrl, name));
  process.env.LLMLAB_TEST_TEMPLATE_DB = name;
}
