// `npm run bench:rollups`: what the projection's rollups cost PostgreSQL per ingested event, without the rest of the
// ingest path. On a freshly migrated database, BENCH_BATCHES (200) batches of 500 records of live usage (one
// organization, 10 projects, the current half hour, 20 models, about 475 distinct end users and 40 tag values per
// batch) go through the projection's own `rollupCtes`, each batch in its own transaction, and the backend's own
// CPU time is read from /proc (the steadiest figure on a shared machine) next to the wall time: every rollup
// together, then each alone (with the family sums it reads), BENCH_ROUNDS (3) times. The database is dropped at
// the end.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { migrateAll } from '../libs/persistence/src/migrations';
import { testEnv, uniqueSuffix, withDatabase } from '../libs/testing/src/test-env';
import { ROLLUPS, rollupCtes } from '../services/ingestion/src/read-models/usage-projection.repository';

const BATCH = 500;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The first batches fill the rollups' rows; the rest add to them, as live ingest mostly does. */
const WARMUP = 10;

const POOL_SQL = `CREATE TABLE pool AS SELECT g / ${BATCH} AS batch,
  '01900000-0000-7000-8000-000000000000'::uuid AS organization_id,
  ('01900000-0000-7000-8000-0000000000' || lpad((g % 10)::text, 2, '0'))::uuid AS project_id,
  now() - random() * interval '30 minutes' AS occurred_at, 'p' || (g % 5) AS provider, 'm' || (g % 20) AS model,
  CASE WHEN g % 20 = 0 THEN NULL ELSE 'u' || (g * 7919 % 1000) END AS user_id,
  jsonb_build_object('feature', 'f' || (g % 20), 'team', 't' || (g * 31 % 20)) AS tags,
  1::bigint AS requests, 0::bigint AS errors, 0::bigint AS unpriced, 1000::bigint AS input_tokens, 200::bigint AS output_tokens,
  0::bigint AS cached_input_tokens, 0::bigint AS cache_write_tokens, 0::bigint AS reasoning_tokens,
  0.0123::numeric AS cost, 420::bigint AS latency_ms
FROM generate_series(0, ${BATCH * BATCHES - 1}) g`;

async function main(): Promise<void> {
  const name = `llmlab_bench_rollups_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: testEnv.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(testEnv.adminDatabaseUrl, name);
  const client = new Client({ connectionString: url });
  try {
    await migrateAll(url);
    await client.connect();
    await client.query(POOL_SQL);
    await client.query('CREATE INDEX ON pool (batch)');
    await client.query('ANALYZE pool');
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const cpuMs = () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    };
    const run = async (ctes: string) => {
      await client.query(`TRUNCATE ${ROLLUPS.map((r) => `ingestion.${r.table}`).join(', ')}`);
      const statement = `WITH src AS (SELECT * FROM pool WHERE batch = $1), ${ctes} SELECT 1`;
      const wall: number[] = [];
      let cpu = 0;
      for (let batch = 0; batch < BATCHES; batch++) {
        if (batch === WARMUP) cpu = cpuMs();
        const started = process.hrtime.bigint();
        await client.query('BEGIN');
        await client.query(statement, [batch]);
        await client.query('COMMIT');
        wall.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      const steady = wall.slice(WARMUP).sort((a, b) => a - b);
      const perEvent = (ms: number) => ((ms * 1000) / BATCH).toFixed(1);
      return `${perEvent((cpuMs() - cpu) / (BATCHES - WARMUP))} µs of backend CPU per event, median wall ${perEvent(steady[steady.length >> 1])} µs`;
    };
    const [families, ...rollups] = rollupCtes('src').split(/,\n(?=rollup_)/);
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`round ${round}, load average ${loadavg()[0].toFixed(2)}\n`);
      process.stdout.write(`  all ${ROLLUPS.length} rollups: ${await run(rollupCtes('src'))}\n`);
      for (const [i, rollup] of ROLLUPS.entries()) {
        process.stdout.write(`  ${rollup.table} alone: ${await run(`${families},\n${rollups[i]}`)}\n`);
      }
    }
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
