// `npm run bench:import`: how fast a backfill file is imported, on this machine, against the live ingest path in
// the same run. Boots the gateway, auth and ingestion services as separate processes on a fresh database, signs a
// user up with two projects' worth of sessions, then:
//   1. baseline: the same number of (recent) events sent live, POST /v1/usage in batches of 1,000 from 4 clients,
//      until all are queryable;
//   2. import: one JSON Lines file of BENCH_IMPORT_LINES events (spread over the last 200 days) uploaded to
//      POST /v1/projects/{projectId}/usage/imports: time to the 202 (the file stored in JetStream), then to
//      `completed` (every line counted in the read models).
// It stops by itself; every phase is bounded.
import 'reflect-metadata';
import { cpus, loadavg, totalmem } from 'node:os';
import { Client } from 'pg';
import { createSession, type TestSession } from '@llmlab/testing';
import { startIngestBench } from './measure';

const lines = Number(process.env.BENCH_IMPORT_LINES ?? 50_000);
const LIVE_BATCH = 1000;
const LIVE_CLIENTS = 4;
const TIMEOUT_MS = 600_000;
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(i: number, timestamp: string): Record<string, unknown> {
  return {
    id: `bench-${i}`,
    timestamp,
    provider: i % 2 ? 'openai' : 'anthropic',
    model: i % 2 ? 'gpt-4o-mini' : 'claude-haiku-4-5',
    usage: { inputTokens: 1200 + (i % 800), outputTokens: 80 + (i % 300), cachedInputTokens: i % 3 === 0 ? 1024 : 0 },
    latencyMs: 300 + (i % 900),
    status: 'success',
    userId: `user-${i % 200}`,
    tags: { app: 'bench', feature: `f${i % 4}` },
    metadata: { requestId: `req_${i}` },
  };
}

async function requests(sql: Client, projectId: string): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(
    'SELECT coalesce(sum(requests), 0) AS n FROM ingestion.usage_rollups_daily WHERE project_id = $1',
    [projectId],
  );
  return Number(rows[0].n);
}

async function live(s: TestSession, sql: Client): Promise<number> {
  const started = Date.now();
  let next = 0;
  const client = async () => {
    for (;;) {
      const from = next;
      next += LIVE_BATCH;
      if (from >= lines) return;
      const at = new Date(Date.now() - 60_000).toISOString();
      const events = Array.from({ length: Math.min(LIVE_BATCH, lines - from) }, (_, k) => event(from + k, at));
      const res = await s.keyAgent.post('/v1/usage', { events });
      if (res.status !== 202) throw new Error(`live ingest answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: LIVE_CLIENTS }, client));
  while ((await requests(sql, s.projectId)) < lines) {
    if (Date.now() - started > TIMEOUT_MS) throw new Error('live events not all queryable in time');
    await sleep(100);
  }
  return (Date.now() - started) / 1000;
}

async function main() {
  const bench = await startIngestBench();
  const { platform, sql } = bench;
  try {
    const load = loadavg()[0];
    const liveSession = await createSession(platform.gatewayUrl);
    process.stderr.write(`baseline: ${lines} events sent live\n`);
    const liveSeconds = await live(liveSession, sql);

    const s = await createSession(platform.gatewayUrl);
    const start = Date.now() - 200 * DAY;
    const file = Array.from({ length: lines }, (_, i) =>
      JSON.stringify(event(i, new Date(start + i * ((200 * DAY) / lines)).toISOString())),
    ).join('\n');
    const bytes = Buffer.byteLength(file);
    process.stderr.write(`import: ${lines} lines, ${(bytes / 2 ** 20).toFixed(1)} MiB\n`);
    const began = Date.now();
    const res = await s.keyAgent.upload(`/v1/projects/${s.projectId}/usage/imports`, file, 'application/x-ndjson');
    if (res.status !== 202) throw new Error(`upload answered ${res.status} ${JSON.stringify(res.body)}`);
    const stored = (Date.now() - began) / 1000;
    let progress: { status: string; accepted: number; rejected: number } = { status: 'queued', accepted: 0, rejected: 0 };
    while (progress.status !== 'completed' && progress.status !== 'failed') {
      if (Date.now() - began > TIMEOUT_MS) throw new Error('the import did not complete in time');
      await sleep(200);
      progress = (await s.keyAgent.get(res.headers.get('location')!)).body;
    }
    const imported = (Date.now() - began) / 1000;
    const rate = (n: number, s: number) => Math.round(n / s);
    process.stdout.write(
      [
        `import benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
          `Node ${process.version}; load average before the run ${load.toFixed(2)}`,
        '',
        '| measure | value |',
        '|---|---|',
        `| baseline: ${lines} events sent live (POST /v1/usage, ${LIVE_CLIENTS} clients x ${LIVE_BATCH}), until queryable | ${liveSeconds.toFixed(1)} s, **${rate(lines, liveSeconds)} events/s** |`,
        `| import: upload of ${(bytes / 2 ** 20).toFixed(1)} MiB (${lines} lines) until the 202 (stored in JetStream) | ${stored.toFixed(1)} s, ${(bytes / 2 ** 20 / stored).toFixed(1)} MiB/s |`,
        `| import: upload until \`completed\` (every line counted) | ${imported.toFixed(1)} s, **${rate(lines, imported)} lines/s** (${progress.status}, ${progress.accepted} accepted, ${progress.rejected} rejected) |`,
        `| import / live | ${((liveSeconds / imported) * 100).toFixed(0)} % |`,
      ].join('\n') + '\n',
    );
  } finally {
    await bench.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:import failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
