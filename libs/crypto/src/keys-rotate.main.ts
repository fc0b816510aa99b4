import { join } from 'node:path';
import { ConfigError } from '@llmlab/config';
import { repositoryRoot } from '@llmlab/persistence';
import { Pool } from 'pg';
import { rotateWrappedKeys } from './key-rotation';
import { loadMasterKey } from './master-key.loader';

const USAGE = 'usage: npm run keys:rotate [-- --batch-size <n>] [-- --dry-run]';

/**
 * `npm run keys:rotate`: re-wraps every data key of every schema under MASTER_ENCRYPTION_KEY, reading those still
 * under MASTER_ENCRYPTION_KEY_PREVIOUS. The runbook is in docs/operations.md ("Rotate the master key"). Exits 1
 * when any key could not be re-wrapped: the previous key must then stay configured.
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const dryRun = args.includes('--dry-run');
  const sizeAt = args.indexOf('--batch-size');
  const batchSize = sizeAt >= 0 ? Number(args[sizeAt + 1]) : 500;
  const unknown = args.filter((a, i) => a !== '--dry-run' && a !== '--batch-size' && (sizeAt < 0 || i !== sizeAt + 1));
  if (unknown.length || !Number.isInteger(batchSize) || batchSize < 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const url = process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('Invalid configuration: DATABASE_URL (or MIGRATION_DATABASE_URL) is required\n');
    return 1;
  }
  const ring = loadMasterKey(
    { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' },
    join(repositoryRoot(), '.llmlab', 'master.key'),
    {
      warn: (_, message) => process.stderr.write(`${message}\n`),
    },
  );
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${dryRun ? 'dry run: ' : ''}re-wrapping every data key under master key ${ring.current.id} (${ring.describe()})`);

  const pool = new Pool({ connectionString: url, max: 2, application_name: 'llmlab-keys-rotate' });
  try {
    const report = await rotateWrappedKeys(pool, ring, { batchSize, dryRun });
    const verb = dryRun ? 'to re-wrap' : 're-wrapped';
    for (const t of report.tables)
      out(
        `${t.table}: ${t.scanned} keys, ${t.rewrapped} ${verb}, ${t.alreadyCurrent} already current` +
          (t.changedMeanwhile ? `, ${t.changedMeanwhile} changed meanwhile (left as they are)` : ''),
      );
    if (!report.tables.length) out('no key table found (is this the right database, and may this role see every schema?)');
    for (const p of report.problems) out(`PROBLEM ${p.table}${p.subjectId ? ` ${p.subjectId}` : ''}: ${p.reason}`);
    if (report.problems.length) {
      out(`${report.problems.length} problem(s): keep MASTER_ENCRYPTION_KEY_PREVIOUS until they are solved, then run this again.`);
      return 1;
    }
    const pending = report.tables.reduce((n, t) => n + t.changedMeanwhile + (dryRun ? t.rewrapped : 0), 0);
    out(
      pending
        ? 'some keys are not under the current master key yet: run this again.'
        : `every data key is under master key ${ring.current.id}: MASTER_ENCRYPTION_KEY_PREVIOUS can be removed from every service.`,
    );
    return 0;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`keys:rotate failed: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
