import { Client } from 'pg';
import { testEnv } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const name = process.env.LLMLAB_TEST_TEMPLATE_DB;
  if (!name) return;
  const admin = new Client({ connectionString: testEnv.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  delete process.env.LLMLAB_TEST_TEMPLATE_DB;
}
