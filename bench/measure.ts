// What several benchmarks measure the same way: the CPU each process of a run spent (Linux /proc), the versions of
// the servers, and PostgreSQL's COPY of rows a run wrote, as a same-run ceiling.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import type { ServiceName } from '@llmlab/contracts';
import { createTestDatabase, TestPlatform, type PlatformOptions, type TestDatabase, type TestSession } from '@llmlab/testing';

/**
 * CPU seconds (user + system) spent so far by this run's processes, by component: the services of this platform (by
 * their NATS prefix), the PostgreSQL backends of this database and the server's own writers, NATS, Redis, and this
 * driver. NATS, Redis, PostgreSQL's writers and its exited backends serve the whole machine: other work running at
 * the same time shows there too.
 */
export function cpuSeconds(prefix: string, database: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let component: string | undefined;
    let stat: string;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const service = /services\/([a-z-]+)\/src\/main\.[jt]s/.exec(cmd)?.[1];
      if (service && readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`\0NATS_PREFIX=${prefix}\0`)) component = service;
      else if (Number(pid) === process.pid) component = 'bench driver';
      else if (
        cmd.startsWith('postgres: ') &&
        (cmd.includes(` ${database} `) || /postgres: (walwriter|checkpointer|background writer)/.test(cmd))
      )
        component = 'postgresql';
      else if (/\/postgres -D /.test(cmd)) component = 'postgresql (exited backends)';
      else if (cmd.includes('nats-server')) component = 'nats';
      else if (cmd.includes('redis-server')) component = 'redis';
    } catch {
      continue;
    }
    if (!component) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // The postmaster's children's time: backends that closed during the phase (a pool's idle connections) count there.
    const [user, system] = component === 'postgresql (exited backends)' ? [fields[13], fields[14]] : [fields[11], fields[12]];
    out.set(component, (out.get(component) ?? 0) + (Number(user) + Number(system)) / 100);
  }
  return out;
}

/** CPU seconds each component spent between two `cpuSeconds` readings (those that spent some). */
export function cpuSpent(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after]
    .map(([component, total]) => [component, total - (before.get(component) ?? 0)] as [string, number])
    .filter(([, spent]) => spent > 0);
}

/**
 * A markdown table of the CPU spent per unit of work (`unit`: "event", "row"...) by component, largest first, with a
 * total, and each component's share of the machine's cores over `wallSeconds`.
 */
export function cpuTable(spent: [string, number][], units: number, unit: string, wallSeconds: number): string[] {
  const cores = cpus().length;
  const row = (name: string, seconds: number) =>
    `| ${name} | ${seconds.toFixed(1)} | ${Math.round((seconds / units) * 1e6)} | ${((seconds / wallSeconds / cores) * 100).toFixed(0)} % |`;
  return [
    `| process | CPU s | µs per ${unit} | share of the cores |`,
    '|---|---|---|---|',
    ...[...spent].sort((a, b) => b[1] - a[1]).map(([component, seconds]) => row(component, seconds)),
    row(
      'total',
      spent.reduce((n, [, seconds]) => n + seconds, 0),
    ),
  ];
}

/** One statement's counters in `pg_stat_statements`, cumulative. */
interface StatementCounters {
  query: string;
  calls: number;
  ms: number;
  rows: number;
  bufferHits: number;
  walBytes: number;
}

/**
 * PostgreSQL's time per statement in the run's database, when the server preloads `pg_stat_statements` (the machine's
 * shared server does not: point `TEST_ADMIN_DATABASE_URL` at a server of your own that does, docs/benchmarks.md).
 * `snapshot()` reads the counters; `table()` prints what changed between two snapshots, by time, per `unit`.
 * Undefined without the library.
 */
export async function statementStats(sql: Client) {
  // Only a superuser (or pg_read_all_settings) may read the setting: anyone else gets no table, not a failed run.
  const loaded = await sql
    .query<{ loaded: boolean }>(
      `SELECT 'pg_stat_statements' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AS loaded`,
    )
    .then((r) => r.rows[0].loaded)
    .catch(() => false);
  if (!loaded) return undefined;
  await sql.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    async snapshot(): Promise<Map<string, StatementCounters>> {
      const { rows: stats } = await sql.query<{
        id: string;
        query: string;
        calls: string;
        ms: number;
        rows: string;
        hits: string;
        wal: string;
      }>(
        `SELECT queryid::text || ':' || userid::text || ':' || toplevel::text AS id, query, calls::text, total_exec_time AS ms, rows::text,
           shared_blks_hit::text AS hits, wal_bytes::text AS wal
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return new Map(
        stats.map((r) => [
          r.id,
          { query: r.query, calls: Number(r.calls), ms: r.ms, rows: Number(r.rows), bufferHits: Number(r.hits), walBytes: Number(r.wal) },
        ]),
      );
    },
    table(before: Map<string, StatementCounters>, after: Map<string, StatementCounters>, units: number, unit: string, top = 8): string[] {
      const changed = [...after].map(([id, a]) => {
        const b = before.get(id);
        return {
          query: a.query.replace(/\s+/g, ' ').trim().slice(0, 80).replace(/\|/g, '\\|'),
          calls: a.calls - (b?.calls ?? 0),
          ms: a.ms - (b?.ms ?? 0),
          rows: a.rows - (b?.rows ?? 0),
          bufferHits: a.bufferHits - (b?.bufferHits ?? 0),
          walBytes: a.walBytes - (b?.walBytes ?? 0),
        };
      });
      return [
        `| statement | calls | ms | ms per call | rows | µs per ${unit} | buffer hits per ${unit} | WAL bytes per ${unit} |`,
        '|---|---|---|---|---|---|---|---|',
        ...changed
          .filter((c) => c.calls > 0)
          .sort((a, b) => b.ms - a.ms)
          .slice(0, top)
          .map(
            (c) =>
              `| \`${c.query}\` | ${c.calls} | ${Math.round(c.ms)} | ${(c.ms / c.calls).toFixed(1)} | ${c.rows} | ${((c.ms * 1000) / units).toFixed(1)} | ` +
              `${(c.bufferHits / units).toFixed(1)} | ${Math.round(c.walBytes / units)} |`,
          ),
      ];
    },
  };
}

/**
 * PostgreSQL COPY of the rows `select` returns into a scratch table created `LIKE source INCLUDING ALL` (same columns,
 * primary key and indexes), the COPY alone timed (one statement, one transaction); the table is dropped after.
 */
export function copyCeiling(databaseUrl: string, select: string, source: string): { rows: number; seconds: number } {
  const dir = mkdtempSync(join(tmpdir(), 'llmlab-bench-'));
  const file = join(dir, 'rows.tsv');
  const psql = (command: string) =>
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    psql(`\\copy (${select}) TO '${file}'`);
    psql(`CREATE TABLE public.bench_copy (LIKE ${source} INCLUDING ALL)`);
    const started = process.hrtime.bigint();
    psql(`\\copy public.bench_copy FROM '${file}'`);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = Number(
      execFileSync('psql', ['-X', '-At', '-d', databaseUrl, '-c', 'SELECT count(*) FROM public.bench_copy']).toString().trim(),
    );
    psql('DROP TABLE public.bench_copy');
    return { rows, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function versions(sql: Client) {
  const pg = (await sql.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  const redis =
    execFileSync('redis-server', ['--version'])
      .toString()
      .match(/v=([\d.]+)/)?.[1] ?? '?';
  const nats = execFileSync('nats-server', ['--version'])
    .toString()
    .trim()
    .replace(/^nats-server: v?/, '');
  return { pg, redis, nats };
}

/** The services' process ids, by their NATS prefix (the platform starts each once), run from sources or compiled. */
export function servicePids(prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const service = /services\/([a-z-]+)\/src\/main\.[jt]s/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))?.[1];
      if (service && readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`\0NATS_PREFIX=${prefix}\0`)) out.set(service, Number(pid));
    } catch {
      // The process ended while it was read.
    }
  }
  return out;
}

/** A process's resident memory (VmRSS) in MiB. */
export function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

/**
 * A process's proportional set size in MiB (/proc/<pid>/smaps_rollup): its resident memory with each page it shares
 * with other processes (the Node binary's code, the libraries) divided among them. The sum over processes is the
 * memory they take from the machine, which the sum of their RSS overstates by every shared page counted again.
 */
export function pssMiB(pid: number): number {
  const kib = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

/** Resolves after `ms` (at once when it is not positive: a schedule already late). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The value below which `p` percent of `values` fall (nearest rank); NaN when there are none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface PacedLoad {
  /** Requests to send, one every `intervalMs`. */
  requests: number;
  intervalMs: number;
  /** Builds and sends request `i`; resolves with the key whose visibility stands for it, or undefined if refused. */
  send(i: number): Promise<string | undefined>;
  /** Those of `keys` that are queryable now. */
  visible(keys: string[]): Promise<string[]>;
}

/**
 * Open-loop load, as clients that do not wait for each other send it: request `i` goes out at its scheduled time
 * whatever the earlier ones are doing. Ack latency runs from the scheduled time (a request that could not be sent on
 * time counts its wait too); freshness from each ack until its key is visible, polled every 20 ms, for at most 60 s
 * after the last request settled (keys not seen by then are `lost`).
 */
export async function pacedLoad(load: PacedLoad) {
  const latencies: number[] = [];
  const freshness: number[] = [];
  const pending = new Map<string, number>();
  let refused = 0;
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      const keys = [...pending.keys()];
      if (keys.length > 0) {
        const seen = await load.visible(keys);
        const now = Date.now();
        for (const key of seen) {
          freshness.push(now - pending.get(key)!);
          pending.delete(key);
        }
      }
      await sleep(20);
    }
  })();
  const started = Date.now() + 100;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < load.requests; i++) {
    const scheduled = started + i * load.intervalMs;
    await sleep(scheduled - Date.now());
    inflight.push(
      load.send(i).then((key) => {
        const acked = Date.now();
        latencies.push(acked - scheduled);
        if (key !== undefined) pending.set(key, acked);
        else refused++;
      }),
    );
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 60_000;
  while (pending.size > 0 && Date.now() < deadline) await sleep(50);
  polling = false;
  await poller;
  return {
    requests: load.requests,
    refused,
    lost: pending.size,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    freshnessP50: percentile(freshness, 50),
    freshnessP95: percentile(freshness, 95),
  };
}

export interface IngestBench {
  db: TestDatabase;
  platform: TestPlatform;
  /** A connection to the run's database, to watch the read models. */
  sql: Client;
  stop(): Promise<void>;
}

/**
 * The ingest path as the ingest, import and OTLP benchmarks boot it: the gateway, auth and ingestion as separate
 * processes on a fresh database, with rate limits out of the way and quiet logs. `stop()` undoes it all.
 */
export async function startIngestBench(
  services: ServiceName[] = ['gateway', 'auth', 'ingestion'],
  env: Record<string, string> = {},
  options: Pick<PlatformOptions, 'personalDataScan'> = {},
): Promise<IngestBench> {
  await globalSetup();
  const db = await createTestDatabase();
  if (process.env.BENCH_AUTO_EXPLAIN_MS) await autoExplain(db.url, Number(process.env.BENCH_AUTO_EXPLAIN_MS));
  const platform = await TestPlatform.start({
    ...options,
    databaseUrl: db.url,
    services,
    env: { RATE_LIMIT_INGEST_PER_HOUR: '1000000000', RATE_LIMIT_MANAGEMENT_PER_HOUR: '1000000000', LOG_LEVEL: 'warn', ...env },
  });
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  return {
    db,
    platform,
    sql,
    async stop() {
      await sql.end();
      await platform.stop();
      await db.drop();
      await globalTeardown();
    },
  };
}

/**
 * BENCH_AUTO_EXPLAIN_MS: every statement of the benchmark's database slower than that has its plan, with actual
 * times and buffers, written to PostgreSQL's server log (auto_explain, loaded per session for this database only).
 * The way to see where the database's time goes when pg_stat_statements is not preloaded.
 */
async function autoExplain(databaseUrl: string, minDurationMs: number): Promise<void> {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const name = (await sql.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    for (const setting of [
      `session_preload_libraries = 'auto_explain'`,
      `auto_explain.log_min_duration = ${Math.max(0, Math.trunc(minDurationMs))}`,
      'auto_explain.log_analyze = on',
      'auto_explain.log_buffers = on',
      'auto_explain.log_nested_statements = on',
    ])
      await sql.query(`ALTER DATABASE "${name}" SET ${setting}`);
  } finally {
    await sql.end();
  }
}

/** `POST /v1/usage` of a serialized `{ events }` body with the session's API key: the status and the events accepted. */
export async function postUsage(s: TestSession, body: string): Promise<{ status: number; accepted: number }> {
  const res = await fetch(`${s.keyAgent.baseUrl}/v1/usage`, {
    method: 'POST',
    headers: { ...s.keyAgent.headers, 'content-type': 'application/json' },
    body,
  });
  const answer = (await res.json()) as { accepted?: number };
  return { status: res.status, accepted: answer.accepted ?? 0 };
}

/** Events of the project in the read models: the hourly rollup is written in the same transaction as the records. */
export async function queryableRequests(sql: Client, projectId: string): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(
    'SELECT coalesce(sum(requests), 0) AS n FROM ingestion.usage_rollups_hourly WHERE project_id = $1',
    [projectId],
  );
  return Number(rows[0].n);
}
