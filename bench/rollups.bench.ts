// `npm run bench:rollups`: what the projection's rollups cost PostgreSQL per ingested event, without the rest of the
// ingest path. On a freshly migrated database, BENCH_BATCHES (200) batches of 500 records of live usage (one
// organization, 10 projects, the current half hour, 20 models, about 475 distinct end users and 40 tag values per
// batch) go through the projection's own `rollupCtes`, each batch in its own transaction, and the backend's own
// CPU time is read from /proc (the steadiest figure on a shared machine) next to the wall time: every rollup
// together, then each alone (with the family sums it reads), BENCH_ROUNDS (3) times.
// Then the organization's ranking of its end users over the dashboard's range (the UTC midnight 29 days back to
// now), before and after its own months of end users, in the same run on the same rows: BENCH_QUERY_RECORDS
// (1,000,000; 0 skips it) records of 30 days (one organization, 100 projects, 10,000 end users, 5 % of records
// without one) go through `rollupCtes` a thirtieth at a time, once with each end user in one project (bench:query's
// shape) and once with each in ten; the statement with which `CostRepository` groups every end user of the range (since
// 2026-12-07 only when the top of each month does not settle the page: its last statement, captured after the rounds
// that read the top) (after) and the same statement reading the projects' months of end users instead (before, as
// main ran it) are timed alternately, BENCH_QUERY_RUNS (20) times
// each, inside the read-only transaction and `work_mem` the repository sets, and their answers compared.
// The database is dropped at the end.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { migrateAll } from '../libs/persistence/src/migrations';
import { testEnv, uniqueSuffix, withDatabase } from '../libs/testing/src/test-env';
import type { OrganizationScope } from '@llmlab/domain';
import type { Pool } from 'pg';
import { CostRepository } from '../services/ingestion/src/costs/cost.repository';
import { ROLLUPS, rollupCtes } from '../services/ingestion/src/read-models/usage-projection.repository';
import { percentile } from './measure';

const BATCH = 500;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const QUERY_RECORDS = Number(process.env.BENCH_QUERY_RECORDS ?? 1_000_000);
const QUERY_RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 20);
const DAY = 86_400_000;
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

const ORGANIZATION_ID = '01900000-0000-7000-8000-000000000000';

/**
 * Records `[$1, $2)` of BENCH_QUERY_RECORDS over the 30 days before $3, as the rollups' source: end user
 * `g * 7919 % 10000` (none for one record in 20), in its own project (`spread` 1) or in `spread` projects (the
 * record's `g / 10000`, which varies among a user's records, picks one).
 */
const queryUsageSql = (spread: number) => `SELECT '${ORGANIZATION_ID}'::uuid AS organization_id,
  ('01900000-0000-7000-8000-0000000000' || lpad(((g * 7919 % 10000 + (g / 10000 % ${spread}) * ${100 / spread}) % 100)::text, 2, '0'))::uuid AS project_id,
  $3::timestamptz - (g::float8 / ${QUERY_RECORDS}) * interval '30 days' AS occurred_at, 'p' || (g % 5) AS provider, 'm' || (g % 20) AS model,
  CASE WHEN g % 20 = 0 THEN NULL ELSE 'u' || lpad((g * 7919 % 10000)::text, 5, '0') END AS user_id, '{}'::jsonb AS tags,
  1::bigint AS requests, (g % 50 = 0)::int::bigint AS errors, 0::bigint AS unpriced, (200 + g % 4000)::bigint AS input_tokens,
  (20 + g % 800)::bigint AS output_tokens, 0::bigint AS cached_input_tokens, 0::bigint AS cache_write_tokens, 0::bigint AS reasoning_tokens,
  (1 + g % 997) * 0.000001234567::numeric AS cost, (200 + g % 3000)::bigint AS latency_ms
FROM generate_series($1::bigint, $2::bigint - 1) g`;

/** The organization's ranking of its end users, before (the projects' months) and after (its own), on the same rows. */
async function userRanking(client: Client, spread: number): Promise<void> {
  await client.query(`TRUNCATE ${ROLLUPS.map((r) => `ingestion.${r.table}`).join(', ')}`);
  const now = new Date();
  const seeded = Date.now();
  for (let part = 0; part < 30; part++) {
    const [from, to] = [part, part + 1].map((n) => Math.round((QUERY_RECORDS * n) / 30));
    await client.query(`WITH src AS (${queryUsageSql(spread)}), ${rollupCtes('src')} SELECT 1`, [from, to, now]);
  }
  await client.query('VACUUM ANALYZE');
  const rows = async (table: string) => (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ingestion.${table}`)).rows[0].n;
  process.stdout.write(
    `  each end user in ${spread} project(s): ${QUERY_RECORDS} records' rollups in ${((Date.now() - seeded) / 1000).toFixed(0)} s; ` +
      `usage_rollups_monthly_users ${await rows('usage_rollups_monthly_users')} rows, usage_rollups_org_monthly_users ` +
      `${await rows('usage_rollups_org_monthly_users')}, usage_rollups_daily_users ${await rows('usage_rollups_daily_users')}\n`,
  );

  // The grouping statement the repository runs last (captured, not run: the rounds before it answer no rows, so they
  // settle nothing), and the same on the projects' months.
  let after: { text: string; values: unknown[] } | undefined;
  const capturing = {
    connect: async () => ({
      query: async (text: string, values?: unknown[]) => {
        if (values) after = { text, values };
        return { rows: [] };
      },
      release: () => undefined,
    }),
  };
  const scope = { organizationId: ORGANIZATION_ID } as OrganizationScope;
  const range = { from: new Date(Math.floor(now.getTime() / DAY) * DAY - 29 * DAY), to: now };
  await new CostRepository(capturing as unknown as Pool).breakdown(scope, range, 'user', 100);
  if (!after?.text.includes('usage_rollups_org_monthly_users')) throw new Error('the ranking does not read the organization’s months');
  const before = { text: after.text.replaceAll('usage_rollups_org_monthly_users', 'usage_rollups_monthly_users'), values: after.values };

  const run = async (statement: { text: string; values: unknown[] }) => {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL work_mem = '32MB'`);
    const started = performance.now();
    const { rows: answer } = await client.query(statement.text, statement.values);
    const ms = performance.now() - started;
    await client.query('COMMIT');
    return { ms, answer: JSON.stringify(answer) };
  };
  const times = { before: [] as number[], after: [] as number[] };
  for (let i = 0; i < QUERY_RUNS + 2; i++) {
    const b = await run(before);
    const a = await run(after);
    if (a.answer !== b.answer) throw new Error('the organization’s months answer differently from the projects’');
    // The first two of each warm the cache.
    if (i >= 2) {
      times.before.push(b.ms);
      times.after.push(a.ms);
    }
  }
  const figure = (ms: number[]) => `p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms`;
  process.stdout.write(
    `    before (the projects' months): ${figure(times.before)}; after (the organization's): ${figure(times.after)}; same answers\n`,
  );
}

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
    if (QUERY_RECORDS > 0) {
      process.stdout.write(`the organization's ranking of its end users, load average ${loadavg()[0].toFixed(2)}\n`);
      for (const spread of [1, 10]) await userRanking(client, spread);
      process.stdout.write(`load average after: ${loadavg()[0].toFixed(2)}\n`);
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
