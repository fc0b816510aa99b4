import { discoverMigrationSets, migrateAll } from './migrations';

/**
 * Applies every migration set (event store, messaging, each service's schema). Used by `npm start`, the
 * Kubernetes migration Job and docker compose's `migrate` service. Safe to run concurrently: advisory-locked.
 */
async function main() {
  const url = process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('Invalid configuration: DATABASE_URL (or MIGRATION_DATABASE_URL) is required\n');
    process.exit(1);
  }
  const sets = discoverMigrationSets();
  await migrateAll(url, sets, (msg) => {
    if (process.env.LOG_LEVEL === 'debug') process.stdout.write(msg + '\n');
  });
  process.stdout.write(`migrations applied: ${sets.map((s) => s.schema).join(', ')}\n`);
}

main().catch((err) => {
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
