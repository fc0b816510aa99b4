import { randomBytes } from 'node:crypto';

/**
 * Where the tests find the real PostgreSQL, NATS and Redis of the machine (DESIGN.md section 8: never mocked).
 * The admin URL must name a superuser: tests create and drop databases.
 */
export const testEnv = {
  adminDatabaseUrl: process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

/** A short random token for names that must not collide between parallel test files and runs. */
export function uniqueSuffix(bytes = 5): string {
  return randomBytes(bytes).toString('hex');
}

/** Replaces the database name of a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}
