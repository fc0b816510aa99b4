// `npm run bench:ingest`: what the ingest path sustains end to end, on this machine. Boots the gateway, auth and
// ingestion services as separate processes on a fresh database (PostgreSQL, Redis and NATS on localhost), signs a
// user up with a project and an API key, then measures in one run:
//   1. sustained events/s, HTTP 202 -> priced -> queryable: BENCH_CONNECTIONS clients post batches of BENCH_BATCH
//      events as fast as they are answered for BENCH_SECONDS, then the clock stops when the last accepted event is
//      in the read models (same transaction as the records, rollups and claims the queries read);
//   2. at half that rate, paced (open loop, batches of 100 as the SDK sends them) for BENCH_LATENCY_SECONDS: ack
//      latency p50/p99 (from each request's scheduled start to its 202) and freshness p95 (from each 202 until its
//      events are queryable);
//   3. the ceiling: PostgreSQL COPY of the same rows (read back from the usage records) into a scratch table with
//      the same indexes, in the same run.
// It also accounts the CPU each process spent per event in phase 1 (Linux /proc), which says where the time goes.
// BENCH_INGESTION_REPLICAS (1) runs more ingestion processes: the ingest consumer is shared by replicas.
// BENCH_INGESTION_SPLIT=1 gives those the intake role and the projection a process of its own (INGESTION_ROLE).
// BENCH_PACED_RATE fixes phase 2's rate (events/s), to compare runs at the same load.
// On a server that preloads pg_stat_statements (TEST_ADMIN_DATABASE_URL), phase 1's statements are listed by time.
// It stops by itself; every phase is bounded.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createSession, freePort, nodeEntry, testEnv, TestPlatform, type TestDatabase, type TestSession } from '@llmlab/testing';
import {
  copyCeiling,
  cpuSeconds,
  cpuSpent,
  cpuTable,
  pacedLoad,
  postUsage,
  queryableRequests,
  sleep,
  startIngestBench,
  statementStats,
  versions,
} from './measure';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const batchSize = Number(process.env.BENCH_BATCH ?? 500);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
const replicas = Number(process.env.BENCH_INGESTION_REPLICAS ?? 1);
const split = process.env.BENCH_INGESTION_SPLIT === '1';
/** Paces phase 2 at this rate instead of half the measured one: to compare two runs at the same load. */
const pacedRate = process.env.BENCH_PACED_RATE ? Number(process.env.BENCH_PACED_RATE) : undefined;
const PACED_BATCH = 100;
const DRAIN_TIMEOUT_MS = 300_000;

const MODELS = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4.1'],
  ['anthropic', 'claude-haiku-4-5'],
  ['anthropic', 'claude-sonnet-4-6'],
] as const;
const FEATURES = ['search', 'chat', 'summaries', 'agents'];

const run = randomUUID().slice(0, 8);
let sequence = 0;

/** Events as the SDK sends them: a priced model, cached tokens, a user, two tags, the usual metadata. */
function events(n: number): Record<string, unknown>[] {
  const timestamp = new Date(Date.now() - 1_000).toISOString();
  return Array.from({ length: n }, () => {
    const i = sequence++;
    const [provider, model] = MODELS[i % MODELS.length];
    return {
      id: `${run}-${i}`,
      timestamp,
      provider,
      model,
      usage: {
        inputTokens: 1200 + (i % 800),
        outputTokens: 80 + (i % 300),
        cachedInputTokens: i % 3 === 0 ? 1024 : 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
      latencyMs: 300 + (i % 900),
      status: i % 50 === 0 ? 'error' : 'success',
      ...(i % 50 === 0 ? { errorType: 'RateLimitError' } : {}),
      userId: `user-${i % 200}`,
      tags: { app: 'bench', feature: FEATURES[i % FEATURES.length] },
      metadata: { operation: 'chat.completions.create', stream: i % 2 === 0, requestId: `req_${i}` },
    };
  });
}

/**
 * Autovacuum and autoanalyze runs on this database's tables so far: their workers are backends that exit when done,
 * so their CPU lands in the "exited backends" row, and whether one ran inside a phase moves that row between runs.
 */
async function autovacuumRuns(sql: Client): Promise<{ vacuums: number; analyzes: number }> {
  const { rows } = await sql.query<{ vacuums: string; analyzes: string }>(
    'SELECT coalesce(sum(autovacuum_count), 0) AS vacuums, coalesce(sum(autoanalyze_count), 0) AS analyzes FROM pg_stat_all_tables',
  );
  return { vacuums: Number(rows[0].vacuums), analyzes: Number(rows[0].analyzes) };
}

async function sustained(s: TestSession, sql: Client, cpu: () => Map<string, number>) {
  const autovacuumBefore = await autovacuumRuns(sql);
  const cpuBefore = cpu();
  let accepted = 0;
  let refused = 0;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const timeline: [number, number][] = [];
  const sampler = setInterval(() => void queryableRequests(sql, s.projectId).then((n) => timeline.push([Date.now(), n])), 500);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) {
        const res = await postUsage(s, JSON.stringify({ events: events(batchSize) }));
        if (res.status === 202) accepted += res.accepted;
        else refused++;
      }
    }),
  );
  const postingEnded = Date.now();
  while ((await queryableRequests(sql, s.projectId)) < accepted) {
    if (Date.now() - postingEnded > DRAIN_TIMEOUT_MS) throw new Error('the pipeline did not catch up within 5 minutes');
    await sleep(100);
  }
  const allVisible = Date.now();
  clearInterval(sampler);
  const cpuPerEvent = cpuSpent(cpuBefore, cpu());
  const autovacuumAfter = await autovacuumRuns(sql);
  const autovacuum = {
    vacuums: autovacuumAfter.vacuums - autovacuumBefore.vacuums,
    analyzes: autovacuumAfter.analyzes - autovacuumBefore.analyzes,
  };
  // The projection's own pace while the buffer was full: the slope of visible events over the posting window's second half.
  const window = timeline.filter(([t]) => t >= started + (postingEnded - started) / 2 && t <= postingEnded);
  const [first, last] = [window[0], window.at(-1)];
  const projectionRate = first && last && last[0] > first[0] ? ((last[1] - first[1]) * 1000) / (last[0] - first[0]) : NaN;
  return {
    accepted,
    refused,
    acceptRate: (accepted * 1000) / (postingEnded - started),
    endToEndRate: (accepted * 1000) / (allVisible - started),
    drainSeconds: (allVisible - postingEnded) / 1000,
    wallSeconds: (allVisible - started) / 1000,
    projectionRate,
    cpuPerEvent,
    autovacuum,
  };
}

async function paced(s: TestSession, sql: Client, eventsPerSecond: number) {
  const intervalMs = (PACED_BATCH * 1000) / eventsPerSecond;
  const result = await pacedLoad({
    requests: Math.floor((latencySeconds * 1000) / intervalMs),
    intervalMs,
    async send() {
      const batch = events(PACED_BATCH);
      const res = await postUsage(s, JSON.stringify({ events: batch }));
      return res.status === 202 ? String(batch.at(-1)!.id) : undefined;
    },
    async visible(ids) {
      const { rows } = await sql.query<{ event_id: string }>(
        'SELECT event_id FROM ingestion.usage_event_claims WHERE project_id = $1 AND event_id = ANY($2)',
        [s.projectId, ids],
      );
      return rows.map((r) => r.event_id);
    },
  });
  return { ...result, rate: eventsPerSecond };
}

/** PostgreSQL COPY of the same rows into a scratch table shaped like the usage records, indexes included. */
function copyRecords(databaseUrl: string, projectId: string, rows: number): { rows: number; rate: number } {
  const copy = copyCeiling(
    databaseUrl,
    `SELECT * FROM ingestion.usage_records WHERE project_id = '${projectId}' LIMIT ${rows}`,
    'ingestion.usage_records',
  );
  return { rows: copy.rows, rate: copy.rows / copy.seconds };
}

/** More ingestion processes beside the platform's, as a deployment scales the service out. */
async function extraIngestionReplicas(
  platform: TestPlatform,
  db: TestDatabase,
  count: number,
  env: Record<string, string> = {},
): Promise<ChildProcess[]> {
  const root = join(__dirname, '..');
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, nodeEntry(join(root, 'services', 'ingestion', 'src', 'main.ts')), {
      cwd: root,
      stdio: 'ignore',
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        NATS_URL: testEnv.natsUrl,
        REDIS_URL: testEnv.redisUrl,
        NATS_PREFIX: platform.natsPrefix,
        MIGRATE_ON_START: 'false',
        SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
        HTTP_PORT: String(port),
        ...env,
      },
    });
    children.push(child);
    for (let tries = 0; ; tries++) {
      if ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok) break;
      if (tries > 300) throw new Error('an extra ingestion replica did not start');
      await sleep(200);
    }
  }
  return children;
}

async function main() {
  const bench = await startIngestBench(undefined, split ? { INGESTION_ROLE: 'intake' } : {});
  const { db, platform, sql } = bench;
  const replicaProcesses = await extraIngestionReplicas(platform, db, replicas - 1);
  if (split) replicaProcesses.push(...(await extraIngestionReplicas(platform, db, 1, { INGESTION_ROLE: 'projection' })));
  try {
    const s = await createSession(platform.gatewayUrl);
    const load = loadavg()[0];
    // Warm-up: JIT, connection pools, the first month's partition, the price book.
    for (let i = 0; i < 20; i++) await postUsage(s, JSON.stringify({ events: events(batchSize) }));
    while ((await queryableRequests(sql, s.projectId)) < 20 * batchSize) await sleep(100);
    const warm = await queryableRequests(sql, s.projectId);
    process.stderr.write(`warmed up; sustained phase: ${connections} connections x batches of ${batchSize} for ${seconds} s\n`);

    const statements = await statementStats(sql);
    const statementsBefore = await statements?.snapshot();
    const high = await sustained(s, sql, () => cpuSeconds(platform.natsPrefix, db.name));
    const statementsAfter = await statements?.snapshot();
    process.stderr.write(`sustained ${Math.round(high.endToEndRate)} events/s end to end; paced phase at half that rate\n`);
    const half = await paced(s, sql, pacedRate ?? high.endToEndRate / 2);
    const summary = await s.keyAgent.get(
      `/v1/projects/${s.projectId}/costs/summary?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`,
    );
    const copy = copyRecords(db.url, s.projectId, Math.min(high.accepted, 500_000));
    const v = await versions(sql);

    const total = warm + high.accepted + half.requests * PACED_BATCH - half.refused * PACED_BATCH;
    const ms = (value: number) => value.toFixed(1);
    const lines = [
      `ingest benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${v.pg}, NATS ${v.nats}, Redis ${v.redis}; load average before the run ${load.toFixed(2)}; ` +
        `${replicas} ingestion process(es)${split ? ' for the intake and one for the projection' : ''}`,
      '',
      '| measure | value |',
      '|---|---|',
      `| sustained end to end (HTTP 202 -> priced -> queryable), ${connections} connections, batches of ${batchSize} | **${Math.round(high.endToEndRate)} events/s** (${high.accepted} events in ${seconds} s of posting + ${high.drainSeconds.toFixed(1)} s to drain) |`,
      `| accepted by the gateway (202/s x batch) in that phase | ${Math.round(high.acceptRate)} events/s |`,
      `| projection pace while the buffer was full | ${Math.round(high.projectionRate)} events/s |`,
      `| ack latency at ${pacedRate ? 'a fixed rate' : 'half that rate'} (${Math.round(half.rate)} events/s, batches of ${PACED_BATCH}, ${half.requests} requests) | p50 ${ms(half.p50)} ms, p99 ${ms(half.p99)} ms |`,
      `| freshness at that rate (202 -> queryable) | p50 ${ms(half.freshnessP50)} ms, p95 ${ms(half.freshnessP95)} ms |`,
      `| ceiling: PostgreSQL COPY of the same ${copy.rows} rows into a table shaped and indexed like usage_records | ${Math.round(copy.rate)} rows/s |`,
      `| end to end / COPY | ${((high.endToEndRate / copy.rate) * 100).toFixed(1)} % |`,
      `| refused requests (sustained, paced) | ${high.refused}, ${half.refused} |`,
      '',
      `CPU spent per event in the sustained phase (${high.wallSeconds.toFixed(1)} s wall, ${cpus().length} cores):`,
      '',
      ...cpuTable(high.cpuPerEvent, high.accepted, 'event', high.wallSeconds),
      '',
      `Autovacuum in that phase, on this database's tables: ${high.autovacuum.vacuums} vacuum(s), ${high.autovacuum.analyzes} analyze(s) ` +
        `(their workers' CPU is in "exited backends", with the pools' closed connections and any other database's).`,
      '',
      ...(statements && statementsBefore && statementsAfter
        ? [
            `PostgreSQL's statements in that phase, by time (pg_stat_statements; time is each statement's own, waits included):`,
            '',
            ...statements.table(statementsBefore, statementsAfter, high.accepted, 'event'),
          ]
        : [
            'Per statement: this server does not preload pg_stat_statements (point TEST_ADMIN_DATABASE_URL at one that does, docs/benchmarks.md).',
          ]),
      '',
      `Queries agree: the project's summary counts ${summary.body.current.requests} requests (${total} accepted), ` +
        `${summary.body.current.unpriced} unpriced, cost ${summary.body.current.cost.amount} USD.` +
        (half.lost > 0 ? ` ${half.lost} paced batches were not visible within 60 s.` : ''),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    replicaProcesses.forEach((child) => child.kill('SIGTERM'));
    await bench.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:ingest failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
