// `npm run bench:query`: the cost queries at scale, through the gateway, on this machine. Boots the gateway, auth,
// ingestion and audit (which records each export) services as separate processes on a fresh database, creates through the API a user, an organization
// with 100 projects and an API key of the largest one, then:
//   1. seeds BENCH_RECORDS (10 million) usage records over the last 30 days straight into ingestion.usage_records
//      (generated server-side by INSERT ... SELECT generate_series, in chunks over BENCH_SEED_CONNECTIONS sessions,
//      into the monthly partitions the service's own function creates), then builds every rollup the projection keeps
//      from those records with the projection's own statement fragments (one UTC day per statement, in one session
//      as the projection writes them), and VACUUM ANALYZEs;
//   2. measures every query (or those whose name contains BENCH_CASES, e.g. `export page`, to profile one with
//      SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=<dir>") through the gateway, as a client does: BENCH_REQUESTS requests (after a warm-up) from
//      BENCH_CLIENTS concurrent clients, p50/p95/p99 and requests/s, next to the same query run in this process
//      straight on the repository code (PostgreSQL and the service's SQL alone, no HTTP or NATS);
//   3. export throughput: the CSV export of the largest project's 30 days, against PostgreSQL's own
//      COPY (SELECT ...) TO STDOUT of the same rows in the same run;
//   4. EXPLAIN (ANALYZE, BUFFERS) of every statement the repositories run for each query (captured from the
//      repository code with the same parameters), written to docs/query-plans.md with BENCH_WRITE_PLANS=1.
// The database is dropped at the end, also on failure or Ctrl-C.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Pool, type Client } from 'pg';
import type { RequestContext, UsageRecordsPage } from '@llmlab/contracts';
import { organizationScope, projectScope, type OrganizationScope } from '@llmlab/domain';
import { createSession, type TestSession } from '@llmlab/testing';
import { CostQueries } from '../services/ingestion/src/costs/cost.queries';
import { CostRepository } from '../services/ingestion/src/costs/cost.repository';
import { UsageExporter } from '../services/ingestion/src/costs/usage-export';
import { UsageRecordRepository } from '../services/ingestion/src/costs/usage-record.repository';
import { encodeKeysetCursor } from '../services/ingestion/src/keyset-cursor';
import { rollupCtes, ROLLUPS } from '../services/ingestion/src/read-models/usage-projection.repository';
import { cpuSeconds, cpuSpent, percentile, startIngestBench, versions, type IngestBench } from './measure';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
/** A query slower than this is stopped short of BENCH_REQUESTS: the figure is plain long before. */
const CASE_SECONDS = Number(process.env.BENCH_CASE_SECONDS ?? 60);
const SEED_CONNECTIONS = Number(process.env.BENCH_SEED_CONNECTIONS ?? 2);
const EXPORT_RUNS = Number(process.env.BENCH_EXPORT_RUNS ?? 3);
const DIRECT_RUNS = 20;
const SEED_CHUNK = 250_000;
const PROJECTS = 100;
const USERS_PER_PROJECT = 100;
const DAY = 86_400_000;
const PLANS_FILE = join(__dirname, '..', 'docs', 'query-plans.md');

/**
 * 50 models over 11 providers, with per-million-token prices (input, output, cached input). Synthetic prices of the
 * right order; two models are unpriced (a custom fine-tune and a self-hosted model), so their records are NULL cost.
 */
const MODELS: [string, string, number | null, number | null, number | null][] = [
  ['openai', 'gpt-4o', 2.5, 10, 1.25],
  ['openai', 'gpt-4o-mini', 0.15, 0.6, 0.075],
  ['openai', 'gpt-4.1', 2, 8, 0.5],
  ['openai', 'gpt-4.1-mini', 0.4, 1.6, 0.1],
  ['openai', 'gpt-4.1-nano', 0.1, 0.4, 0.025],
  ['openai', 'o3', 2, 8, 0.5],
  ['openai', 'o3-mini', 1.1, 4.4, 0.55],
  ['openai', 'o4-mini', 1.1, 4.4, 0.275],
  ['openai', 'gpt-5', 1.25, 10, 0.125],
  ['openai', 'gpt-5-mini', 0.25, 2, 0.025],
  ['openai', 'gpt-5-nano', 0.05, 0.4, 0.005],
  ['openai', 'text-embedding-3-small', 0.02, 0, 0.02],
  ['openai', 'text-embedding-3-large', 0.13, 0, 0.13],
  ['openai', 'ft:gpt-4o-mini:acme:support', null, null, null],
  ['anthropic', 'claude-opus-4-1', 15, 75, 1.5],
  ['anthropic', 'claude-sonnet-4-5', 3, 15, 0.3],
  ['anthropic', 'claude-sonnet-4-6', 3, 15, 0.3],
  ['anthropic', 'claude-haiku-4-5', 1, 5, 0.1],
  ['anthropic', 'claude-3-5-haiku', 0.8, 4, 0.08],
  ['anthropic', 'claude-3-7-sonnet', 3, 15, 0.3],
  ['google', 'gemini-2.5-pro', 1.25, 10, 0.31],
  ['google', 'gemini-2.5-flash', 0.3, 2.5, 0.075],
  ['google', 'gemini-2.5-flash-lite', 0.1, 0.4, 0.025],
  ['google', 'gemini-2.0-flash', 0.1, 0.4, 0.025],
  ['google', 'gemini-embedding-001', 0.15, 0, 0.15],
  ['mistral', 'mistral-large-latest', 2, 6, 2],
  ['mistral', 'mistral-medium-latest', 0.4, 2, 0.4],
  ['mistral', 'mistral-small-latest', 0.1, 0.3, 0.1],
  ['mistral', 'codestral-latest', 0.3, 0.9, 0.3],
  ['mistral', 'ministral-8b-latest', 0.1, 0.1, 0.1],
  ['groq', 'llama-3.3-70b-versatile', 0.59, 0.79, 0.59],
  ['groq', 'llama-3.1-8b-instant', 0.05, 0.08, 0.05],
  ['groq', 'qwen3-32b', 0.29, 0.59, 0.29],
  ['deepseek', 'deepseek-chat', 0.27, 1.1, 0.07],
  ['deepseek', 'deepseek-reasoner', 0.55, 2.19, 0.14],
  ['cohere', 'command-r-plus', 2.5, 10, 2.5],
  ['cohere', 'command-r', 0.15, 0.6, 0.15],
  ['cohere', 'embed-v4.0', 0.12, 0, 0.12],
  ['aws', 'amazon.nova-pro-v1:0', 0.8, 3.2, 0.2],
  ['aws', 'amazon.nova-lite-v1:0', 0.06, 0.24, 0.015],
  ['aws', 'amazon.nova-micro-v1:0', 0.035, 0.14, 0.00875],
  ['aws', 'anthropic.claude-sonnet-4-5-v1:0', 3, 15, 0.3],
  ['aws', 'meta.llama3-3-70b-instruct-v1:0', 0.72, 0.72, 0.72],
  ['azure', 'gpt-4o-2024-11-20', 2.5, 10, 1.25],
  ['azure', 'gpt-4o-mini-2024-07-18', 0.165, 0.66, 0.083],
  ['azure', 'gpt-4.1-2025-04-14', 2, 8, 0.5],
  ['azure', 'o3-mini-2025-01-31', 1.1, 4.4, 0.55],
  ['xai', 'grok-4', 3, 15, 0.75],
  ['xai', 'grok-3-mini', 0.3, 0.5, 0.075],
  ['self-hosted', 'llama-3.1-70b-vllm', null, null, null],
];

/** A uniform number in [0, 1) derived from the row number and a salt: reproducible, and cheap server-side. */
const u = (salt: number) => `((hashint8extended(g, ${salt}) & 140737488355327)::float8 / 140737488355328)`;

/**
 * Records g of [lo, hi): evenly spaced in time over the 30 days (arrival order, as the projection writes them),
 * projects skewed (the first holds about 5 % of the records, the median one under 1 %), each project calling 8 of the
 * 50 models (a window that moves with the project, so the organization uses all 50; the first of the 8 most), each
 * end user belonging to one project (100 per project, 10,000 in all, skewed; 5 % of records without a user), two
 * tags of 20 values each (feature skewed, team uniform), 2 % errors, 30 % of calls reading a cached prefix.
 */
const SEED_SQL = `
WITH models (idx, provider, model, input_rate, output_rate, cached_rate) AS (
  SELECT * FROM jsonb_to_recordset($6::jsonb) AS m(idx int, provider text, model text, input_rate numeric, output_rate numeric, cached_rate numeric)
),
projects (idx, id) AS (
  SELECT ordinality::int - 1, id FROM unnest($7::uuid[]) WITH ORDINALITY AS p(id, ordinality)
),
draws AS (
  SELECT g,
    $3::timestamptz + (g * $4::float8) * interval '1 millisecond' AS occurred_at,
    floor(${PROJECTS} * power(${u(1)}, 1.5))::int AS p,
    floor(8 * power(${u(2)}, 2))::int AS m,
    ${u(3)} AS user_draw,
    floor(${USERS_PER_PROJECT} * power(${u(4)}, 2))::int AS user_rank,
    floor(20 * power(${u(5)}, 2))::int AS feature,
    floor(20 * ${u(6)})::int AS team,
    ${u(7)} AS status_draw,
    200 + floor(4000 * power(${u(8)}, 2))::bigint AS input_tokens,
    20 + floor(800 * ${u(9)})::bigint AS output_tokens,
    ${u(10)} AS cache_draw,
    200 + floor(3000 * power(${u(11)}, 2))::int AS latency_ms
  FROM generate_series($1::bigint, $2::bigint - 1) g
),
rows AS (
  SELECT d.*, pr.id AS project_id, mo.provider, mo.model, mo.input_rate, mo.output_rate, mo.cached_rate,
    CASE WHEN d.status_draw < 0.02 THEN 0 ELSE d.output_tokens END AS output,
    CASE WHEN d.cache_draw < 0.3 THEN d.input_tokens / 2 ELSE 0 END AS cached
  FROM draws d
  JOIN projects pr ON pr.idx = d.p
  JOIN models mo ON mo.idx = (d.p * 3 + d.m) % ${MODELS.length}
)
INSERT INTO ingestion.usage_records (organization_id, project_id, event_id, occurred_at, received_at, batch_id, api_key_id,
  provider, model, status, error_type, latency_ms, user_id, tags, metadata, input_tokens, output_tokens,
  cached_input_tokens, cost, cost_status, price_entry_id, price_origin, recorded_position)
SELECT $5::uuid, project_id, 'evt-' || g, occurred_at, occurred_at + interval '1 second', md5('batch-' || (g / 500))::uuid, $8::uuid,
  provider, model,
  CASE WHEN status_draw < 0.02 THEN 'error' ELSE 'success' END,
  CASE WHEN status_draw < 0.02 THEN 'RateLimitError' END,
  latency_ms,
  CASE WHEN user_draw >= 0.05 THEN 'eu-' || lpad((p * ${USERS_PER_PROJECT} + user_rank)::text, 5, '0') END,
  jsonb_build_object('feature', 'feature-' || lpad(feature::text, 2, '0'), 'team', 'team-' || lpad(team::text, 2, '0')),
  jsonb_build_object('operation', 'chat.completions.create', 'stream', g % 2 = 0),
  input_tokens, output, cached,
  round(((input_tokens - cached) * input_rate + cached * cached_rate + output * output_rate) / 1000000, 12),
  CASE WHEN input_rate IS NULL THEN 'unpriced' ELSE 'priced' END,
  CASE WHEN input_rate IS NOT NULL THEN provider || ':' || model END,
  CASE WHEN input_rate IS NOT NULL THEN 'catalog' END,
  g
FROM rows`;

/** The rows the projection adds to the rollups for a new record (its RETURNING shape), here read back from the records. */
const ROLLUP_SQL = `
WITH src AS (
  SELECT organization_id, project_id, occurred_at, provider, model, user_id, tags,
    1::bigint AS requests, (status = 'error')::int::bigint AS errors, (cost_status = 'unpriced')::int::bigint AS unpriced,
    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    coalesce(cost, 0) AS cost, latency_ms::bigint AS latency_ms
  FROM ingestion.usage_records WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz
),
${rollupCtes('src')}
SELECT 1`;

interface Statement {
  text: string;
  values: unknown[];
}

/** A pg pool whose statements can be recorded while it runs them: the SQL the repository code sends, parameters included. */
function capturingPool(url: string): { pool: Pool; capture<T>(fn: () => Promise<T>): Promise<Statement[]> } {
  const pool = new Pool({ connectionString: url, max: 6 });
  let captured: Statement[] | undefined;
  const record = (target: { query: unknown }) => {
    const query = (target.query as (...args: unknown[]) => unknown).bind(target);
    // Every argument passed on: the pool itself calls a client's query with a callback.
    target.query = (...args: unknown[]) => {
      if (captured) {
        const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown];
        captured.push(
          typeof config === 'string'
            ? { text: config, values: Array.isArray(values) ? values : [] }
            : { text: config.text, values: config.values ?? [] },
        );
      }
      return query(...args);
    };
  };
  // The pool's own query() runs on a client too: recording the clients' sees every statement once.
  pool.on('connect', record);
  return {
    pool,
    async capture(fn) {
      captured = [];
      try {
        await fn();
        return captured;
      } finally {
        captured = undefined;
      }
    },
  };
}

/** Runs `jobs` over `connections` sessions of their own, `synchronous_commit` off (the seed is thrown away anyway). */
async function parallel<T>(url: string, connections: number, jobs: T[], run: (c: Client, job: T) => Promise<void>): Promise<void> {
  const pool = new Pool({ connectionString: url, max: connections });
  const queue = [...jobs];
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          await client.query('SET synchronous_commit = off');
          for (let job = queue.shift(); job !== undefined; job = queue.shift()) await run(client as unknown as Client, job);
        } finally {
          client.release();
        }
      }),
    );
  } finally {
    await pool.end();
  }
}

interface Seeded {
  start: Date;
  end: Date;
  recordSeconds: number;
  rollupSeconds: number;
  vacuumSeconds: number;
  rollupRows: Record<string, string>;
  bytes: string;
}

async function seed(bench: IngestBench, organizationId: string, projectIds: string[], apiKeyId: string): Promise<Seeded> {
  const { sql, db } = bench;
  const end = new Date();
  const start = new Date(end.getTime() - 30 * DAY);
  // The months the records fall in, created by the service's own function (the maintenance job made them already).
  for (let month = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1); month <= end.getTime();) {
    await sql.query('SELECT ingestion.ensure_usage_partition($1::timestamptz)', [new Date(month).toISOString()]);
    const next = new Date(month);
    month = next.setUTCMonth(next.getUTCMonth() + 1);
  }
  const models = JSON.stringify(
    MODELS.map(([provider, model, input, output, cached], idx) => ({
      idx,
      provider,
      model,
      input_rate: input,
      output_rate: output,
      cached_rate: cached,
    })),
  );
  const step = (30 * DAY) / RECORDS;
  const chunks: [number, number][] = [];
  for (let lo = 0; lo < RECORDS; lo += SEED_CHUNK) chunks.push([lo, Math.min(RECORDS, lo + SEED_CHUNK)]);
  let done = 0;
  const recordsStarted = Date.now();
  await parallel(db.url, SEED_CONNECTIONS, chunks, async (client, [lo, hi]) => {
    await client.query(SEED_SQL, [lo, hi, start.toISOString(), step, organizationId, models, projectIds, apiKeyId]);
    done += hi - lo;
    process.stderr.write(`\rseeded ${done} / ${RECORDS} records`);
  });
  const recordSeconds = (Date.now() - recordsStarted) / 1000;
  process.stderr.write(` in ${recordSeconds.toFixed(0)} s; building the rollups\n`);

  const days: [Date, Date][] = [];
  for (let day = Math.floor(start.getTime() / DAY) * DAY; day < end.getTime(); day += DAY) days.push([new Date(day), new Date(day + DAY)]);
  const rollupsStarted = Date.now();
  // One session, a day at a time, as the projection (one active writer) adds its batches: concurrent sessions
  // updating the same months' rows would keep each other's dead versions from being pruned, leaving pages a live
  // install does not have.
  await parallel(db.url, 1, days, async (client, [from, to]) => {
    await client.query(ROLLUP_SQL, [from.toISOString(), to.toISOString()]);
  });
  const rollupSeconds = (Date.now() - rollupsStarted) / 1000;
  process.stderr.write(`rollups built in ${rollupSeconds.toFixed(0)} s; VACUUM ANALYZE, CHECKPOINT\n`);
  const vacuumStarted = Date.now();
  for (const table of ['usage_records', ...ROLLUPS.map((r) => r.table)]) {
    await sql.query(`VACUUM (ANALYZE) ingestion.${table}`);
  }
  // The seed's dirty pages written out now: otherwise the checkpointer writes gigabytes of them during the queries,
  // and its CPU and disk show in whichever cases run then (82.8 ms of PostgreSQL's CPU per export page at 10 million
  // records, where the page's plan takes 1.4 ms).
  await sql.query('CHECKPOINT');
  const vacuumSeconds = (Date.now() - vacuumStarted) / 1000;
  // Rows and pages: a rollup updated in place keeps few pages per row (HOT updates, fillfactor 50); one whose
  // updates move rows elsewhere leaves pages of dead versions that its sequential scans still read.
  const rollupRows: Record<string, string> = {};
  for (const table of ['usage_records', ...ROLLUPS.map((r) => r.table)]) {
    const { rows } = await sql.query<{ n: string; pages: string }>(
      `SELECT count(*) AS n, (SELECT sum(pg_relation_size(c.oid) / current_setting('block_size')::int)
         FROM pg_class c WHERE c.oid = $1::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass)) AS pages
       FROM ingestion.${table}`,
      [`ingestion.${table}`],
    );
    rollupRows[table] = `${rows[0].n} (${rows[0].pages} pages)`;
  }
  const bytes = (await sql.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`)).rows[0].size as string;
  return { start, end, recordSeconds, rollupSeconds, vacuumSeconds, rollupRows, bytes };
}

interface Case {
  name: string;
  goalMs: number;
  /** Path and query of the request through the gateway. */
  path: string;
  /** Its credentials, read when the query is measured (a user's token lives 15 minutes). */
  headers: () => Record<string, string>;
  /** The same query on the repository code in this process. */
  direct(): Promise<unknown>;
}

interface Measured {
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  rate: number;
  direct50: number;
  direct95: number;
  /** CPU ms per request of the concurrent phase, by component (`cpuSeconds`), and in total. */
  cpu: { total: number; by: Map<string, number> };
  /** Answers other than 200, by status. */
  failures: string;
}

/** `total (gateway, ingestion, PostgreSQL, driver)` in ms per request; PostgreSQL counts its exited backends too. */
function cpuCell({ total, by }: Measured['cpu']): string {
  const of = (...names: string[]) => names.reduce((n, name) => n + (by.get(name) ?? 0), 0).toFixed(1);
  return `${total.toFixed(1)} (${of('gateway')}, ${of('ingestion')}, ${of('postgresql', 'postgresql (exited backends)')}, ${of('bench driver')})`;
}

async function measure(baseUrl: string, c: Case, cpu: () => Map<string, number>): Promise<Measured> {
  const headers = c.headers();
  // A request the gateway gave up on (504 after its 5 s NATS timeout) counts with its time, and is reported.
  const failures = new Map<number, number>();
  const get = async () => {
    const started = performance.now();
    const res = await fetch(baseUrl + c.path, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) failures.set(res.status, (failures.get(res.status) ?? 0) + 1);
    return performance.now() - started;
  };
  const warmUntil = performance.now() + (CASE_SECONDS * 1000) / 4;
  for (let i = 0; i < WARMUP && performance.now() < warmUntil; i++) await get();
  failures.clear();
  const latencies: number[] = [];
  const cpuBefore = cpu();
  const started = performance.now();
  const deadline = started + CASE_SECONDS * 1000;
  let sent = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (sent < REQUESTS && performance.now() < deadline) {
        sent++;
        latencies.push(await get());
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const spent = cpuSpent(cpuBefore, cpu()).map(([component, seconds]) => [component, (seconds * 1000) / latencies.length] as const);
  const direct: number[] = [];
  for (let i = 0; i < DIRECT_RUNS; i++) {
    const t = performance.now();
    await c.direct();
    direct.push(performance.now() - t);
  }
  return {
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    rate: latencies.length / wall,
    cpu: { total: spent.reduce((n, [, ms]) => n + ms, 0), by: new Map(spent) },
    direct50: percentile(direct, 50),
    direct95: percentile(direct, 95),
    failures: [...failures].map(([status, n]) => `${n} x ${status}`).join(', '),
  };
}

const COPY_OF_QUERY = /^\s*COPY \(([\s\S]*)\) TO STDOUT[\s\S]*$/i;
const isQuery = (s: Statement) => /^\s*(SELECT|WITH)\b/i.test(s.text) || COPY_OF_QUERY.test(s.text);

/**
 * EXPLAIN (ANALYZE, BUFFERS) of each query, with the parameters the repository bound, on one connection in the
 * order they were sent: the transaction and settings around a query (BEGIN, SET LOCAL) are run as they were.
 */
async function explain(pool: Pool, statements: Statement[]): Promise<string[]> {
  const plans: string[] = [];
  const client = await pool.connect();
  try {
    for (const s of statements) {
      if (!isQuery(s)) {
        await client.query(s.text, s.values);
        continue;
      }
      // A COPY of a query (the records page) is explained as its query.
      const text = s.text.replace(COPY_OF_QUERY, '$1');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, s.values);
      plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
  } finally {
    client.release();
  }
  return plans;
}

/** The export through the gateway: rows/s of the whole CSV of `path`. */
/** The CPU an export run took per row, by process: where its time goes on cores shared by every process. */
function exportCpuCell(spent: Map<string, number>, rows: number): string {
  const perRow = (...names: string[]) => (names.reduce((n, name) => n + (spent.get(name) ?? 0), 0) * 1e6) / rows;
  const total = perRow(...spent.keys());
  const parts = [['gateway'], ['ingestion'], ['postgresql', 'postgresql (exited backends)'], ['nats'], ['bench driver']];
  return `${total.toFixed(1)} (${parts.map((names) => perRow(...names).toFixed(1)).join(', ')})`;
}

async function exportRun(baseUrl: string, path: string, headers: Record<string, string>) {
  const started = performance.now();
  const res = await fetch(baseUrl + path, { headers });
  if (res.status !== 200 || !res.body) throw new Error(`export: ${res.status}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    // A native search per line: the client's own CPU counts on the cores the export shares.
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows: lines - 1, bytes, seconds };
}

/** What PostgreSQL alone does with the export's rows: COPY (SELECT ... in the export's order) TO STDOUT as CSV. */
function copyOut(databaseUrl: string, select: string): number {
  const started = process.hrtime.bigint();
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', `COPY (${select}) TO STDOUT (FORMAT csv)`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    maxBuffer: 1 << 30,
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function login(baseUrl: string, s: TestSession): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: s.email, password: s.password }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function main() {
  // No personal-data scan at the end: the seeded records hold none, and reading 10 million of them for the test's
  // e-mail address would take minutes.
  const bench = await startIngestBench(
    ['gateway', 'auth', 'ingestion', 'audit'],
    { RATE_LIMIT_MANAGEMENT_PER_HOUR: '1000000000' },
    { personalDataScan: false },
  );
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= bench.stop());
  const stopping = () => void stop().finally(() => process.exit(130));
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  const { db, platform, sql } = bench;
  const baseUrl = platform.gatewayUrl;
  const capturing = capturingPool(db.url);
  try {
    const loadBefore = loadavg();
    const s = await createSession(baseUrl, { projectName: 'project-000', apiKeyScopes: ['read'] });
    const projectIds = [s.projectId];
    for (let i = 1; i < PROJECTS; i++) {
      const res = await s.agent.post(`/v1/organizations/${s.organizationId}/projects`, { name: `project-${String(i).padStart(3, '0')}` });
      if (res.status !== 201) throw new Error(`project creation: ${res.status}`);
      projectIds.push(res.body.id);
    }
    process.stderr.write(`organization with ${PROJECTS} projects created; seeding ${RECORDS} records\n`);
    const seeded = await seed(bench, s.organizationId, projectIds, s.apiKey.id);

    // The dashboard's range: from a UTC midnight 29 days back to now (today so far is the edge read from the records).
    const to = new Date().toISOString();
    const from = new Date((Math.floor(Date.now() / DAY) - 29) * DAY).toISOString();
    const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const exportFrom = seeded.start.toISOString();
    const exportRange = `from=${encodeURIComponent(exportFrom)}&to=${encodeURIComponent(to)}`;
    const project = s.projectId;
    // A filter a support engineer would use: one end user's calls of one model, chosen with enough records for two pages.
    const { rows: picks } = await sql.query<{ user_id: string; model: string; n: string }>(
      `SELECT user_id, model, count(*) AS n FROM ingestion.usage_records
       WHERE project_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND user_id IS NOT NULL
       GROUP BY 1, 2 HAVING count(*) > 250 ORDER BY count(*) LIMIT 1`,
      [project, from, to],
    );
    const pick = picks[0] ?? { user_id: 'eu-00000', model: MODELS[0][1], n: '0' };
    const filter = `model=${encodeURIComponent(pick.model)}&userId=${encodeURIComponent(pick.user_id)}`;

    const repository = new CostRepository(capturing.pool);
    const queries = new CostQueries(repository, new UsageRecordRepository(capturing.pool));
    const context = { organizationId: s.organizationId } as RequestContext;
    const orgScope: OrganizationScope = organizationScope(context);
    const projScope = projectScope({ ...context, projectId: project } as RequestContext);
    const page1 = JSON.parse(
      (await queries.usageRecords(projScope, { from, to, model: pick.model, userId: pick.user_id })).toString(),
    ) as UsageRecordsPage;
    const cursor = page1.nextCursor ?? '';
    // An export page from the middle of the range: where a keyset page's cost shows.
    const { rows: middle } = await sql.query<{ at: Date; id: string }>(
      `SELECT occurred_at AS at, event_id AS id FROM ingestion.usage_records WHERE project_id = $1 AND occurred_at >= $2 AND occurred_at < $3
       ORDER BY occurred_at DESC, event_id DESC OFFSET (SELECT count(*) / 2 FROM ingestion.usage_records WHERE project_id = $1 AND occurred_at >= $2 AND occurred_at < $3) LIMIT 1`,
      [project, exportFrom, to],
    );
    const middleCursor = middle[0] ? encodeKeysetCursor({ at: middle[0].at.toISOString(), id: middle[0].id }) : '';

    let token = await login(baseUrl, s);
    const user = () => ({ authorization: `Bearer ${token}` });
    const key = () => ({ 'x-api-key': s.apiKey.key });
    const org = `/v1/organizations/${s.organizationId}`;
    const proj = `/v1/projects/${project}`;
    const breakdown = (scope: OrganizationScope, groupBy: string) => () =>
      queries.breakdown(scope, { from, to, groupBy: groupBy as never, limit: 100 });
    const cases: Case[] = [
      {
        name: 'organization summary',
        goalMs: 100,
        path: `${org}/costs/summary?${range}`,
        headers: user,
        direct: () => queries.summary(orgScope, { from, to }),
      },
      {
        name: 'project summary',
        goalMs: 100,
        path: `${proj}/costs/summary?${range}`,
        headers: key,
        direct: () => queries.summary(projScope, { from, to }),
      },
      ...(['model', 'day', 'user', 'tag:feature'] as const).flatMap((groupBy) => [
        {
          name: `organization breakdown by ${groupBy}`,
          goalMs: 100,
          path: `${org}/costs/breakdown?${range}&groupBy=${groupBy}&limit=100`,
          headers: user,
          direct: breakdown(orgScope, groupBy),
        },
        {
          name: `project breakdown by ${groupBy}`,
          goalMs: 100,
          path: `${proj}/costs/breakdown?${range}&groupBy=${groupBy}&limit=100`,
          headers: key,
          direct: breakdown(projScope, groupBy),
        },
      ]),
      {
        name: `usage page, model + user (${pick.n} records), first page`,
        goalMs: 200,
        path: `${proj}/usage?${range}&${filter}&limit=100`,
        headers: key,
        direct: () => queries.usageRecords(projScope, { from, to, model: pick.model, userId: pick.user_id, limit: 100 }),
      },
      {
        name: 'usage page, model + user, next page (cursor)',
        goalMs: 200,
        path: `${proj}/usage?${range}&${filter}&limit=100&cursor=${cursor}`,
        headers: key,
        direct: () => queries.usageRecords(projScope, { from, to, model: pick.model, userId: pick.user_id, limit: 100, cursor }),
      },
      {
        name: 'export page of 1,000 from the middle of 30 days (no filter)',
        goalMs: 200,
        path: `${proj}/usage?${exportRange}&limit=1000&cursor=${middleCursor}`,
        headers: key,
        direct: () => queries.usageRecords(projScope, { from: exportFrom, to, limit: 1000, cursor: middleCursor }),
      },
    ];

    const results: [Case, Measured][] = [];
    const plans: string[] = [];
    for (const c of cases.filter((each) => !process.env.BENCH_CASES || each.name.includes(process.env.BENCH_CASES))) {
      token = await login(baseUrl, s);
      process.stderr.write(`${c.name}: `);
      const m = await measure(baseUrl, c, () => cpuSeconds(platform.natsPrefix, db.name));
      process.stderr.write(`p95 ${m.p95.toFixed(1)} ms\n`);
      results.push([c, m]);
      const sent = await capturing.capture(() => c.direct());
      const explained = await explain(capturing.pool, sent);
      const statements = sent.filter(isQuery);
      const around = sent.filter((st) => !isQuery(st)).map((st) => st.text);
      plans.push(
        `## ${c.name}\n\n\`GET ${c.path.replace(s.organizationId, '{orgId}').replace(project, '{projectId}')}\`\n\n` +
          (around.length > 0 ? `Around the query, on the same connection: \`${around.join('; ')}\`.\n\n` : '') +
          statements
            .map(
              (st, i) =>
                `Statement ${i + 1} of ${statements.length}:\n\n\`\`\`sql\n${st.text.trim()}\n\`\`\`\n\nParameters: \`${JSON.stringify(st.values)}\`\n\n\`\`\`\n${explained[i]}\n\`\`\`\n`,
            )
            .join('\n'),
      );
    }

    if (process.env.BENCH_WRITE_PLANS === '1') {
      writeFileSync(
        PLANS_FILE,
        `# Query plans of the cost queries at scale\n\n` +
          `Written by \`BENCH_WRITE_PLANS=1 npm run bench:query\` (${new Date().toISOString().slice(0, 10)}, ${RECORDS} records; ` +
          `[benchmarks.md](benchmarks.md#cost-queries-at-scale-npm-run-benchquery) has the setting and the figures). Each ` +
          `section is one query as the gateway asked it, then every statement the ingestion service's repository code ` +
          `ran for it, with its parameters, and \`EXPLAIN (ANALYZE, BUFFERS)\` of that statement on the seeded data.\n\n` +
          plans.join('\n'),
      );
      execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'prettier'), ['--write', '--log-level', 'warn', PLANS_FILE]);
      process.stderr.write(`plans written to ${PLANS_FILE}\n`);
    }
    process.stderr.write('export: ');
    const exportPath = `${proj}/usage/export?format=csv&${exportRange}`;
    const exports = [];
    const copySeconds: number[] = [];
    const select =
      `SELECT * FROM ingestion.usage_records WHERE organization_id = '${s.organizationId}' AND project_id = '${project}' ` +
      `AND occurred_at >= '${exportFrom}' AND occurred_at < '${to}' ORDER BY occurred_at DESC, event_id DESC`;
    // Alternated, so that the baseline sees the same load as the export on a shared machine.
    const exportCpu: Map<string, number>[] = [];
    for (let i = 0; i < EXPORT_RUNS; i++) {
      const cpuBefore = cpuSeconds(platform.natsPrefix, db.name);
      exports.push(await exportRun(baseUrl, exportPath, key()));
      exportCpu.push(new Map(cpuSpent(cpuBefore, cpuSeconds(platform.natsPrefix, db.name))));
      copySeconds.push(copyOut(db.url, select));
    }
    const exportRows = exports[0].rows;
    const best = exports.reduce((a, b) => (b.rows / b.seconds > a.rows / a.seconds ? b : a));
    const copyBest = Math.min(...copySeconds);
    // The ingestion side of the export alone: the service's own COPY, decoded and written as CSV in this process.
    const exporter = new UsageExporter(capturing.pool, { USAGE_EXPORT_CONCURRENCY: 1 });
    const serviceSeconds: number[] = [];
    let serviceBytes = 0;
    for (let i = 0; i < EXPORT_RUNS; i++) {
      const started = performance.now();
      serviceBytes = 0;
      for await (const chunk of await exporter.open(projScope, { from: exportFrom, to, format: 'csv' })) serviceBytes += chunk.length;
      serviceSeconds.push((performance.now() - started) / 1000);
    }
    const serviceBest = Math.min(...serviceSeconds);
    process.stderr.write(`${Math.round(best.rows / best.seconds)} rows/s\n`);

    const v = await versions(sql);
    const ms = (n: number) => n.toFixed(1);
    const lines = [
      `query benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${v.pg}, NATS ${v.nats}, Redis ${v.redis}; load average before the run ${loadBefore.map((n) => n.toFixed(2)).join(' ')}, ` +
        `after ${loadavg()
          .map((n) => n.toFixed(2))
          .join(' ')}`,
      '',
      `Seeded ${RECORDS} records (${PROJECTS} projects, ${MODELS.length} models, ${PROJECTS * USERS_PER_PROJECT} end users, 2 tags x 20 values) over ` +
        `${seeded.start.toISOString()} .. ${seeded.end.toISOString()} in ${seeded.recordSeconds.toFixed(0)} s (${Math.round(RECORDS / seeded.recordSeconds)} rows/s, ` +
        `${SEED_CONNECTIONS} sessions); rollups in ${seeded.rollupSeconds.toFixed(0)} s; VACUUM ANALYZE and CHECKPOINT ${seeded.vacuumSeconds.toFixed(0)} s; database ${seeded.bytes}.`,
      `Rows: ${Object.entries(seeded.rollupRows)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}.`,
      `Range of the summaries and breakdowns: ${from} .. ${to} (the dashboard's: 29 whole days and today so far). ` +
        `Project queries: the largest project (${exportRows} records in 30 days), with an API key; organization queries with a user's token.`,
      `${CLIENTS} concurrent clients, ${REQUESTS} requests per query after ${WARMUP} warm-up requests (or ${CASE_SECONDS} s); ` +
        `"in process" = the same query on the repository code in this process, no HTTP or NATS (${DIRECT_RUNS} runs, one at a time).`,
      '',
      '| query | goal p95 | p50 ms | p95 ms | p99 ms | req/s | requests | in process p50 / p95 ms | CPU ms per request: total (gateway, ingestion, PostgreSQL, driver) |',
      '|---|---|---|---|---|---|---|---|---|',
      ...results.map(
        ([c, m]) =>
          `| ${c.name} | < ${c.goalMs} ms | ${ms(m.p50)} | **${ms(m.p95)}**${m.p95 < c.goalMs && !m.failures ? '' : ' (missed)'} | ${ms(m.p99)} | ${m.rate.toFixed(0)} | ${m.requests}${m.failures ? ` (${m.failures})` : ''} | ${ms(m.direct50)} / ${ms(m.direct95)} | ${cpuCell(m.cpu)} |`,
      ),
      '',
      '| export (CSV, largest project, 30 days) | goal | rows | MB | rows/s | CPU µs per row: total (gateway, ingestion, PostgreSQL, NATS, driver) |',
      '|---|---|---|---|---|---|',
      ...exports.map(
        (e, i) =>
          `| through the gateway, run ${i + 1} (COPY alone right after it: ${Math.round(e.rows / copySeconds[i])} rows/s) | >= 100,000 rows/s | ${e.rows} | ${(e.bytes / 1e6).toFixed(1)} | **${Math.round(e.rows / e.seconds)}**${e.rows / e.seconds >= 100_000 ? '' : ' (missed)'} | ${exportCpuCell(exportCpu[i], e.rows)} |`,
      ),
      `| the service's export alone (in process: its binary COPY decoded and written as CSV, no NATS or HTTP), best of ${EXPORT_RUNS} | | ${exportRows} | ${(serviceBytes / 1e6).toFixed(1)} | ${Math.round(exportRows / serviceBest)} | |`,
      `| baseline: PostgreSQL COPY (SELECT ... same rows, same order) TO STDOUT CSV, best of ${EXPORT_RUNS} | | ${exportRows} | | ${Math.round(exportRows / copyBest)} | |`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await capturing.pool.end().catch(() => undefined);
    await stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:query failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
