import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * One set of SQL migrations that owns one PostgreSQL schema. Each set keeps its own history table inside its
 * schema, so sets evolve independently and a service never touches another's.
 */
export interface MigrationSet {
  /** Schema owned by the set (also where its history table lives). */
  schema: string;
  /** Folder of `.sql` files in node-pg-migrate's format (`-- Up Migration` / `-- Down Migration`). */
  dir: string;
}

/** The repository root: the folder that holds `libs/` and `services/` (works from sources and from `dist/`). */
export function repositoryRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'nest-cli.json'))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the repository root (nest-cli.json) above ' + __dirname);
    dir = parent;
  }
}

/**
 * Every migration set of the platform, discovered from `libs/<name>/migrations` and `services/<name>/migrations`.
 * The event store comes first: services append to it, so it must exist before any of them starts.
 */
export function discoverMigrationSets(root = repositoryRoot()): MigrationSet[] {
  const sets: MigrationSet[] = [];
  for (const parent of ['libs', 'services']) {
    const base = join(root, parent);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name, 'migrations');
      if (existsSync(dir)) sets.push({ schema: name.replace(/-/g, '_'), dir });
    }
  }
  return sets.sort((a, b) => Number(b.schema === 'event_store') - Number(a.schema === 'event_store'));
}

/** Applies pending migrations of one set. node-pg-migrate holds an advisory lock, so concurrent starts are safe. */
export async function migrate(databaseUrl: string, set: MigrationSet, log: (msg: string) => void = () => {}) {
  // node-pg-migrate is ESM-only: loaded on first use, so code that merely imports this library (and Jest's
  // CommonJS sandbox) never has to load it.
  const { runner } = await import('node-pg-migrate');
  return runner({
    databaseUrl,
    dir: set.dir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    migrationsSchema: set.schema,
    schema: set.schema,
    createSchema: true,
    createMigrationsSchema: true,
    checkOrder: true,
    advisoryLockMode: 'wait',
    log,
  });
}

export async function migrateAll(databaseUrl: string, sets = discoverMigrationSets(), log?: (msg: string) => void) {
  for (const set of sets) await migrate(databaseUrl, set, log);
}
