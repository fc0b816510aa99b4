// `npm run soak`: the platform under steady ingest for a long time, watching for leaks. Boots the seven services as
// processes on a fresh database (PostgreSQL, Redis and NATS on localhost), signs a user up with a project and an API
// key, then:
//   1. finds the sustained rate (8 clients posting batches of 500 for SOAK_PROBE_SECONDS, 15) unless SOAK_RATE
//      (events/s) is given, and holds half of it, open loop, in batches of 100 (the SDK's), for SOAK_MINUTES (30);
//   2. over two windows of SOAK_WINDOW_SECONDS (60), the first once SOAK_WARMUP_SECONDS (300) of the hold have passed
//      and the last ending with it, reads each service's resident memory (/proc/<pid>/status VmRSS, the median of a
//      sample every 5 s: one sample lands on a GC's high or low), its event-loop delay p99 over the window
//      (prom-client's nodejs_eventloop_lag_p99_seconds, which resets at each scrape), and the ack p99 and freshness
//      p95 of the batches sent in it. The warm-up is not a leak: after the probe's burst, heaps and pools find their
//      size over the first minutes (a 30-minute trace showed ingestion and recommendations rising 11-12 % from
//      minute 2 to minute 5, then flat to the end), and a leak is what keeps climbing after that;
//   3. prints them side by side with each service's growth; a service whose memory grew 10 % or more fails the run
//      (exit 1), and so does a batch not queryable within 60 s.
// Every service's RSS right after start, before any load, is printed first: the start-up's peak, not the settled
// footprint (npm run bench:footprint measures that).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Client } from 'pg';
import { DOMAIN_SERVICES, type ServiceName } from '@llmlab/contracts';
import { createSession, type TestPlatform, type TestSession } from '@llmlab/testing';
import { percentile, postUsage, queryableRequests, rssMiB, servicePids, sleep, startIngestBench, versions } from './measure';

const minutes = Number(process.env.SOAK_MINUTES ?? 30);
const windowSeconds = Number(process.env.SOAK_WINDOW_SECONDS ?? 60);
const warmupSeconds = Number(process.env.SOAK_WARMUP_SECONDS ?? 300);
const RSS_SAMPLE_MS = 5_000;
const probeSeconds = Number(process.env.SOAK_PROBE_SECONDS ?? 15);
const fixedRate = process.env.SOAK_RATE ? Number(process.env.SOAK_RATE) : undefined;
const BATCH = 100;
const PROBE_BATCH = 500;
const PROBE_CONNECTIONS = 8;
const MAX_GROWTH = 0.1;
const SERVICES: ServiceName[] = ['gateway', ...DOMAIN_SERVICES];

const run = randomUUID().slice(0, 8);
let sequence = 0;

function events(n: number): Record<string, unknown>[] {
  const timestamp = new Date(Date.now() - 1_000).toISOString();
  return Array.from({ length: n }, () => {
    const i = sequence++;
    return {
      id: `${run}-${i}`,
      timestamp,
      provider: i % 2 ? 'openai' : 'anthropic',
      model: i % 2 ? 'gpt-4o-mini' : 'claude-haiku-4-5',
      usage: { inputTokens: 1200 + (i % 800), outputTokens: 80 + (i % 300), cachedInputTokens: i % 3 === 0 ? 1024 : 0 },
      latencyMs: 300 + (i % 900),
      status: 'success',
      userId: `user-${i % 200}`,
      tags: { app: 'soak', feature: ['search', 'chat', 'agents'][i % 3] },
      metadata: { operation: 'chat.completions.create' },
    };
  });
}

/** The events accepted, or -1 when the batch was not answered 202. */
async function post(s: TestSession, batch: Record<string, unknown>[]): Promise<number> {
  const res = await postUsage(s, JSON.stringify({ events: batch }));
  return res.status === 202 ? res.accepted : -1;
}

/** The end-to-end rate with the buffer kept full, as bench:ingest's sustained phase measures it, shorter. */
async function probe(s: TestSession, sql: Client): Promise<number> {
  // Warm-up first (JIT, pools, the month's partition, the price book), as bench:ingest does.
  let warm = 0;
  for (let i = 0; i < 20; i++) warm += Math.max(0, await post(s, events(PROBE_BATCH)));
  while ((await queryableRequests(sql, s.projectId)) < warm) await sleep(100);
  const before = await queryableRequests(sql, s.projectId);
  const started = Date.now();
  let accepted = 0;
  await Promise.all(
    Array.from({ length: PROBE_CONNECTIONS }, async () => {
      while (Date.now() - started < probeSeconds * 1000) accepted += Math.max(0, await post(s, events(PROBE_BATCH)));
    }),
  );
  while ((await queryableRequests(sql, s.projectId)) < before + accepted) await sleep(100);
  return (accepted * 1000) / (Date.now() - started);
}

function metricsUrl(platform: TestPlatform, service: string): string {
  // The gateway serves /metrics on its internal listener only.
  return service === 'gateway' ? `${platform.gatewayInternalUrl}/metrics` : `${platform.serviceUrl(service as ServiceName)}/metrics`;
}

/** One gauge of prom-client's default metrics out of a scrape. */
function gauge(text: string, name: string): number {
  const value = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1];
  return value === undefined ? NaN : Number(value);
}

interface Scrape {
  /** Event-loop delay p99 (ms) since the last scrape: prom-client resets its histogram at each one. */
  lagP99: number;
  /** V8 heap in use and memory held outside it (Buffers, zlib, TLS), MiB: what tells a leak from a heap that grew. */
  heapUsed: number;
  external: number;
}

async function scrape(platform: TestPlatform, service: string): Promise<Scrape> {
  const text = await (await fetch(metricsUrl(platform, service))).text();
  return {
    lagP99: gauge(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    heapUsed: gauge(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
    external: gauge(text, 'nodejs_external_memory_bytes') / 2 ** 20,
  };
}

interface WindowFigures {
  rss: Map<string, number>;
  scrapes: Map<string, Scrape>;
  ackP99: number;
  freshnessP95: number;
}

async function main() {
  // The audit service paced as deployed (the test platform re-derives the whole history every 5 s so tests see it
  // at once), except the full verification every 5 minutes instead of hourly: a soak runs it several times over
  // a log that keeps growing.
  const bench = await startIngestBench(SERVICES, {
    AUDIT_SIGN_INTERVAL_MS: '60000',
    AUDIT_TREE_POLL_MS: '1000',
    AUDIT_FULL_VERIFICATION_INTERVAL_MS: '300000',
  });
  const { platform, sql } = bench;
  let failed = false;
  try {
    const s = await createSession(platform.gatewayUrl);
    const load = loadavg()[0];
    const pids = servicePids(platform.natsPrefix);
    await sleep(5_000);
    const idle = new Map([...pids].map(([service, pid]) => [service, rssMiB(pid)]));
    process.stderr.write(`idle: ${[...idle].map(([k, v]) => `${k} ${v.toFixed(0)} MiB`).join(', ')}\n`);

    const rate = fixedRate ?? (await probe(s, sql)) / 2;
    const intervalMs = (BATCH * 1000) / rate;
    process.stderr.write(`holding ${Math.round(rate)} events/s (batches of ${BATCH}) for ${minutes} min\n`);

    // Open loop: batch i goes out at its scheduled time; each records its ack and, once queryable, its freshness.
    const sent: { at: number; ack?: number; visibleAt?: number; last: string }[] = [];
    let refused = 0;
    const started = Date.now() + 100;
    const end = started + minutes * 60_000;
    // One query at a time on the bench's connection (node-postgres queues a second one, and warns).
    let polling = false;
    const poll = setInterval(() => {
      const waiting = sent.filter((b) => b.ack !== undefined && b.visibleAt === undefined).slice(-2_000);
      if (waiting.length === 0 || polling) return;
      polling = true;
      void sql
        .query<{ event_id: string }>('SELECT event_id FROM ingestion.usage_event_claims WHERE project_id = $1 AND event_id = ANY($2)', [
          s.projectId,
          waiting.map((b) => b.last),
        ])
        .then(({ rows }) => {
          const seen = new Set(rows.map((r) => r.event_id));
          const now = Date.now();
          for (const b of waiting) if (seen.has(b.last)) b.visibleAt = now;
        })
        .finally(() => (polling = false));
    }, 50);

    const measure = async (from: number, to: number): Promise<WindowFigures> => {
      await sleep(from - Date.now());
      await Promise.all(SERVICES.map((service) => scrape(platform, service)));
      const samples = new Map([...pids.keys()].map((service) => [service, [] as number[]]));
      for (let at = from; at < to; at += RSS_SAMPLE_MS) {
        await sleep(at - Date.now());
        for (const [service, pid] of pids) samples.get(service)?.push(rssMiB(pid));
      }
      await sleep(to - Date.now());
      const scrapes = new Map(await Promise.all(SERVICES.map(async (service) => [service, await scrape(platform, service)] as const)));
      const rss = new Map([...samples].map(([service, values]) => [service, percentile(values, 50)]));
      // Let the window's last batches become queryable before reading their freshness.
      await sleep(5_000);
      const inWindow = sent.filter((b) => b.at >= from && b.at < to);
      return {
        rss,
        scrapes,
        ackP99: percentile(
          inWindow.flatMap((b) => (b.ack !== undefined ? [b.ack - b.at] : [])),
          99,
        ),
        freshnessP95: percentile(
          inWindow.flatMap((b) => (b.visibleAt !== undefined && b.ack !== undefined ? [b.visibleAt - b.ack] : [])),
          95,
        ),
      };
    };
    // The first window after the warm-up (pools, JIT, caches and heaps at their size), the last one ending with the load.
    if (warmupSeconds + 2 * windowSeconds > minutes * 60) throw new Error('SOAK_MINUTES is too short for the warm-up and two windows');
    const windows = Promise.all([
      measure(started + warmupSeconds * 1000, started + (warmupSeconds + windowSeconds) * 1000),
      measure(end - windowSeconds * 1000, end),
    ]);

    // SOAK_TRACE_SECONDS: every so often, each service's RSS, heap in use and external memory on standard error,
    // to see a growth's shape (a leak climbs steadily, a heap finding its size levels off).
    const traceSeconds = Number(process.env.SOAK_TRACE_SECONDS ?? 0);
    const trace =
      traceSeconds > 0
        ? setInterval(() => {
            void Promise.all(SERVICES.map(async (service) => [service, await scrape(platform, service)] as const)).then((all) => {
              const minute = ((Date.now() - started) / 60_000).toFixed(1);
              const parts = all.map(([service, m]) => {
                const rss = rssMiB(pids.get(service) ?? 0);
                return `${service} rss ${rss.toFixed(0)} heap ${m.heapUsed.toFixed(0)} ext ${m.external.toFixed(0)} lag ${m.lagP99.toFixed(1)}`;
              });
              process.stderr.write(`trace ${minute} min: ${parts.join('; ')}\n`);
            });
          }, traceSeconds * 1000)
        : undefined;
    const inflight: Promise<void>[] = [];
    for (let i = 0; started + i * intervalMs < end; i++) {
      const at = started + i * intervalMs;
      await sleep(at - Date.now());
      const batch = events(BATCH);
      const entry: (typeof sent)[number] = { at, last: String(batch[BATCH - 1].id) };
      sent.push(entry);
      inflight.push(
        post(s, batch).then((accepted) => {
          if (accepted < 0) refused++;
          else entry.ack = Date.now();
        }),
      );
      // Settled requests need not be held for 30 minutes.
      if (inflight.length > 10_000) await Promise.all(inflight.splice(0, 5_000));
    }
    await Promise.all(inflight);
    clearInterval(trace);
    const [first, last] = await windows;
    const deadline = Date.now() + 60_000;
    while (sent.some((b) => b.ack !== undefined && b.visibleAt === undefined) && Date.now() < deadline) await sleep(100);
    clearInterval(poll);
    const unseen = sent.filter((b) => b.ack !== undefined && b.visibleAt === undefined).length;

    const v = await versions(sql);
    const totalIdle = [...idle.values()].reduce((a, b) => a + b, 0);
    const lines = [
      `soak, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${v.pg}, NATS ${v.nats}, Redis ${v.redis}; load average before the run ${load.toFixed(2)}; ` +
        `${Math.round(rate)} events/s (${fixedRate ? 'SOAK_RATE' : 'half the probed sustained rate'}) for ${minutes} min, ` +
        `${sent.length} batches of ${BATCH}, ${refused} refused, ${unseen} not queryable within 60 s`,
      '',
      `Footprint right after start (services ${process.env.LLMLAB_TEST_BUILD ? 'compiled' : 'run from TypeScript through @swc-node/register'}; not yet settled, see bench:footprint): ${totalIdle.toFixed(0)} MiB in total`,
      '',
      `RSS is each window's median of a sample every ${RSS_SAMPLE_MS / 1000} s; the first window starts after ${warmupSeconds} s of the hold.`,
      '',
      `| service | idle RSS | RSS, first window | RSS, last window | growth | heap used, first → last | external, first → last | loop delay p99, first window | last window |`,
      '|---|---|---|---|---|---|---|---|---|',
      ...SERVICES.map((service) => {
        const a = first.rss.get(service) ?? NaN;
        const b = last.rss.get(service) ?? NaN;
        const growth = (b - a) / a;
        if (!(growth < MAX_GROWTH)) failed = true;
        const f = first.scrapes.get(service);
        const l = last.scrapes.get(service);
        return (
          `| ${service} | ${idle.get(service)?.toFixed(0)} MiB | ${a.toFixed(0)} MiB | ${b.toFixed(0)} MiB | ${(growth * 100).toFixed(1)} % ` +
          `| ${f?.heapUsed.toFixed(0)} → ${l?.heapUsed.toFixed(0)} MiB | ${f?.external.toFixed(0)} → ${l?.external.toFixed(0)} MiB ` +
          `| ${f?.lagP99.toFixed(1)} ms | ${l?.lagP99.toFixed(1)} ms |`
        );
      }),
      '',
      `| window | ack p99 | freshness p95 |`,
      '|---|---|---|',
      `| first | ${first.ackP99.toFixed(1)} ms | ${first.freshnessP95.toFixed(0)} ms |`,
      `| last | ${last.ackP99.toFixed(1)} ms | ${last.freshnessP95.toFixed(0)} ms |`,
    ];
    if (unseen > 0) failed = true;
    process.stdout.write(
      `${lines.join('\n')}\n\n${failed ? 'FAILED: a service grew 10 % or more, or batches were not queryable' : 'PASSED'}\n`,
    );
  } finally {
    await bench.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
