// `npm run bench:audit`: what maintaining the audit log's Merkle tree costs, on this machine. Boots the gateway,
// auth, ingestion and audit services as separate processes on a fresh database (production settings for the
// audit service), then measures in one run:
//   1. under ingest load (bench:ingest's sustained phase: BENCH_CONNECTIONS clients posting batches of BENCH_BATCH
//      usage events for BENCH_SECONDS): the event store's append rate, the tree's, how far the tree lags behind the
//      store (events, and seconds between an event's append and its leaf), and the audit process's CPU;
//   2. the tree's capacity: BENCH_BACKLOG small events appended straight to the event store as fast as it takes
//      them (the baseline: the store's own append rate in this run), and how fast the tree absorbs them;
//   3. the pure hashing ceiling: RFC 9162 leaf and node hashes in this process, no I/O.
// It stops by itself; every phase is bounded.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { Pool, type Client } from 'pg';
import { PostgresEventStore } from '@llmlab/event-store';
import { createSession, type TestSession } from '@llmlab/testing';
import { leafHash, MerkleFrontier } from '@llmlab/transparency';
import { cpuSeconds, cpuSpent, percentile, sleep, startIngestBench, versions } from './measure';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const batchSize = Number(process.env.BENCH_BATCH ?? 500);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
const backlog = Number(process.env.BENCH_BACKLOG ?? 50_000);
const CATCH_UP_TIMEOUT_MS = 300_000;

const run = randomUUID().slice(0, 8);
let sequence = 0;

function usageBatch(n: number): string {
  const timestamp = new Date(Date.now() - 1_000).toISOString();
  const events = Array.from({ length: n }, () => {
    const i = sequence++;
    return {
      id: `${run}-${i}`,
      timestamp,
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 1200 + (i % 800), outputTokens: 80 + (i % 300), cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      latencyMs: 300,
      status: 'success',
      userId: `user-${i % 200}`,
      tags: { feature: 'search' },
    };
  });
  return JSON.stringify({ events });
}

interface Sample {
  at: number;
  store: number;
  tree: number;
}

async function sample(sql: Client): Promise<Sample> {
  const { rows } = await sql.query<{ store: string | null; tree: string | null }>(
    `SELECT (SELECT max(position) FROM event_store.events) AS store, (SELECT tree_size FROM audit.merkle_state) AS tree`,
  );
  return { at: Date.now(), store: Number(rows[0].store ?? 0), tree: Number(rows[0].tree ?? 0) };
}

/** Samples every 200 ms until `done` resolves, then until the tree holds every event of the store. */
async function watch(sql: Client, done: Promise<unknown>): Promise<{ samples: Sample[]; loadEnded: number; caughtUp: number }> {
  const samples: Sample[] = [];
  let finished = false;
  let loadEnded = 0;
  void done.then(() => {
    finished = true;
    loadEnded = Date.now();
  });
  for (;;) {
    const s = await sample(sql);
    samples.push(s);
    if (finished && s.tree >= s.store) return { samples, loadEnded, caughtUp: s.at };
    if (finished && Date.now() - loadEnded > CATCH_UP_TIMEOUT_MS) throw new Error('the audit tree did not catch up within 5 minutes');
    await sleep(200);
  }
}

/** For each sample, how long the oldest event not yet in the tree has been in the store (0 when none is missing). */
function lagSeconds(samples: Sample[]): number[] {
  return samples.map((s) => {
    if (s.tree >= s.store) return 0;
    const appended = samples.find((t) => t.store > s.tree);
    return appended ? Math.max(0, s.at - appended.at) / 1000 : 0;
  });
}

function rate(samples: Sample[], field: 'store' | 'tree', from: number, to: number): number {
  const inWindow = samples.filter((s) => s.at >= from && s.at <= to);
  const [first, last] = [inWindow[0], inWindow.at(-1)];
  return first && last && last.at > first.at ? ((last[field] - first[field]) * 1000) / (last.at - first.at) : NaN;
}

async function underIngestLoad(s: TestSession, sql: Client, cpu: () => Map<string, number>) {
  const before = cpu();
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let accepted = 0;
  const load = Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) {
        const res = await fetch(`${s.keyAgent.baseUrl}/v1/usage`, {
          method: 'POST',
          headers: { ...s.keyAgent.headers, 'content-type': 'application/json' },
          body: usageBatch(batchSize),
        });
        const answer = (await res.json()) as { accepted?: number };
        if (res.status === 202) accepted += answer.accepted ?? 0;
      }
    }),
  );
  const { samples, loadEnded, caughtUp } = await watch(sql, load);
  const spent = cpuSpent(before, cpu());
  const first = samples[0];
  const last = samples.at(-1)!;
  const lags = lagSeconds(samples.filter((x) => x.at <= loadEnded));
  return {
    accepted,
    usageRate: (accepted * 1000) / (loadEnded - started),
    storeEvents: last.store - first.store,
    storeRate: rate(samples, 'store', started, loadEnded),
    treeRate: rate(samples, 'tree', started, loadEnded),
    maxLagEvents: Math.max(...samples.filter((x) => x.at <= loadEnded).map((x) => x.store - x.tree)),
    lagP95: percentile(lags, 95),
    lagMax: Math.max(...lags),
    catchUpSeconds: (caughtUp - loadEnded) / 1000,
    auditCpu: spent.find(([c]) => c === 'audit')?.[1] ?? 0,
    wallSeconds: (caughtUp - started) / 1000,
  };
}

async function backlogCapacity(databaseUrl: string, sql: Client, cpu: () => Map<string, number>) {
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const store = new PostgresEventStore(pool);
  const before = cpu();
  const start = await sample(sql);
  const started = Date.now();
  let appendEnded = 0;
  const append = (async () => {
    for (let i = 0; i < backlog; i += 1000) {
      const n = Math.min(1000, backlog - i);
      await store.appendToStream(
        `audit.bench-${run}-${i}`,
        Array.from({ length: n }, (_, j) => ({
          type: 'BenchNoted',
          data: { i: i + j, note: 'a small event, as most of the store holds' },
          metadata: { actor: { type: 'system' as const, id: 'bench' }, correlationId: run },
        })),
        { expectedRevision: 'no_stream' },
      );
    }
    appendEnded = Date.now();
  })();
  const { samples, caughtUp } = await watch(sql, append);
  const spent = cpuSpent(before, cpu());
  await pool.end();
  const end = samples.at(-1)!;
  return {
    events: end.store - start.store,
    storeRate: ((end.store - start.store) * 1000) / (appendEnded - started),
    treeRate: ((end.tree - start.tree) * 1000) / (caughtUp - started),
    maxLagEvents: Math.max(...samples.map((x) => x.store - x.tree)),
    auditCpu: spent.find(([c]) => c === 'audit')?.[1] ?? 0,
  };
}

function hashingCeiling(leaves: number): number {
  const frontier = MerkleFrontier.empty();
  const seed = Buffer.alloc(32, 7);
  const started = process.hrtime.bigint();
  for (let i = 0; i < leaves; i++) {
    seed.writeUInt32BE(i, 0);
    frontier.append(leafHash(seed));
  }
  frontier.root();
  return leaves / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main() {
  const bench = await startIngestBench(['gateway', 'auth', 'ingestion', 'audit']);
  const { db, platform, sql } = bench;
  try {
    const s = await createSession(platform.gatewayUrl);
    const load = loadavg()[0];
    for (let i = 0; i < 10; i++) {
      await fetch(`${s.keyAgent.baseUrl}/v1/usage`, {
        method: 'POST',
        headers: { ...s.keyAgent.headers, 'content-type': 'application/json' },
        body: usageBatch(batchSize),
      });
    }
    await watch(sql, Promise.resolve());
    const cpu = () => cpuSeconds(platform.natsPrefix, db.name);
    process.stderr.write(`warmed up; ingest load: ${connections} connections x batches of ${batchSize} for ${seconds} s\n`);
    const ingest = await underIngestLoad(s, sql, cpu);
    process.stderr.write(`backlog: ${backlog} small events appended straight to the store\n`);
    const capacity = await backlogCapacity(db.url, sql, cpu);
    const ceiling = hashingCeiling(200_000);
    const heads = await sql.query<{ n: string }>('SELECT count(*) AS n FROM audit.tree_heads');
    const v = await versions(sql);
    const µs = (cpuSeconds: number, events: number) => Math.round((cpuSeconds / events) * 1e6);
    const lines = [
      `audit benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${v.pg}; load average before the run ${load.toFixed(2)}; audit service with its production settings`,
      '',
      '| measure | value |',
      '|---|---|',
      `| usage accepted by the gateway under load (${connections} connections, batches of ${batchSize}, ${seconds} s) | ${Math.round(ingest.usageRate)} usage events/s |`,
      `| event store appends in that phase (baseline: what the tree must follow) | ${ingest.storeRate.toFixed(1)} events/s (${ingest.storeEvents} events) |`,
      `| Merkle tree in that phase | **${ingest.treeRate.toFixed(1)} events/s** |`,
      `| tree lag behind the store under load | at most ${ingest.maxLagEvents} events; p95 ${ingest.lagP95.toFixed(1)} s, max ${ingest.lagMax.toFixed(1)} s |`,
      `| caught up after the load stopped | ${ingest.catchUpSeconds.toFixed(1)} s |`,
      `| audit process CPU under load | ${ingest.auditCpu.toFixed(2)} s (${µs(ingest.auditCpu, Math.max(1, ingest.storeEvents))} µs per store event, ${((ingest.auditCpu / ingest.wallSeconds / cpus().length) * 100).toFixed(1)} % of the cores) |`,
      `| backlog: ${capacity.events} small events appended straight to the store (baseline) | ${Math.round(capacity.storeRate)} events/s |`,
      `| Merkle tree absorbing that backlog | **${Math.round(capacity.treeRate)} events/s** (${µs(capacity.auditCpu, capacity.events)} µs of audit CPU per event; at most ${capacity.maxLagEvents} behind) |`,
      `| ceiling: RFC 9162 hashing alone in one process (no I/O) | ${Math.round(ceiling)} leaves/s |`,
      `| signed tree heads at the end | ${heads.rows[0].n} |`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await bench.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:audit failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
