// `npm run bench:proxy`: what the proxy adds to a provider call, measured against the same calls sent straight to
// the provider in the same run. Boots the gateway, auth, ingestion and proxy services as separate processes on a
// fresh database, with a local server speaking OpenAI's wire format as the provider (in this process), then:
//   1. latency: BENCH_PROXY_REQUESTS chat completions one at a time, each sent in turn straight to the provider,
//      through the proxy's port and through the gateway's `/proxy/*`: p50/p99 of each, and of the time each path
//      adds to the direct call it was paired with;
//   2. streaming: the same with `stream: true`: time to the first chunk (p50/p99, and added), and to the end;
//   3. throughput: BENCH_PROXY_CLIENTS clients for BENCH_SECONDS on each path: calls/s;
//   4. accounting: every call made through the proxy is in the usage records, once.
// It stops by itself; every phase is bounded.
import 'reflect-metadata';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createSession } from '@llmlab/testing';
import { startFakeOpenAI } from '../libs/sdk/src/testing/fake-openai.server';
import { percentile, sleep, startIngestBench, versions } from './measure';

const REQUESTS = Number(process.env.BENCH_PROXY_REQUESTS ?? 2_000);
const CLIENTS = Number(process.env.BENCH_PROXY_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = 200;

type Path = 'direct' | 'proxy' | 'gateway';
const PATHS: Path[] = ['direct', 'proxy', 'gateway'];

interface Timing {
  firstByteMs: number;
  totalMs: number;
}

async function timed(url: string, headers: Record<string, string>, body: string): Promise<Timing> {
  const start = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  let firstByteMs = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (firstByteMs < 0 && value && value.length > 0) firstByteMs = performance.now() - start;
    if (done) break;
  }
  return { firstByteMs, totalMs: performance.now() - start };
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });

async function main() {
  const upstream = await startFakeOpenAI();
  // The alerts service too, as in production: the proxy asks it for the project's enforced budgets (none here).
  const bench = await startIngestBench(['gateway', 'auth', 'ingestion', 'alerts', 'proxy'], { PROXY_OPENAI_BASE_URL: upstream.baseURL });
  const { platform, sql } = bench;
  try {
    const load = loadavg()[0];
    const session = await createSession(platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
    const base: Record<Path, string> = {
      direct: upstream.baseURL,
      proxy: `${platform.proxyUrl}/proxy/openai/v1`,
      gateway: `${platform.gatewayUrl}/proxy/openai/v1`,
    };
    const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench', 'x-llmlab-key': session.apiKey.key };
    const chat = (stream: boolean) =>
      JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], ...(stream ? { stream: true } : {}) });
    let proxied = 0;

    /** Each request sent on the three paths in turn (the order rotating), so that the machine's noise hits all alike. */
    async function paired(stream: boolean, count: number) {
      const out: Record<Path, Timing[]> = { direct: [], proxy: [], gateway: [] };
      for (let i = 0; i < count; i++) {
        for (let k = 0; k < PATHS.length; k++) {
          const path = PATHS[(i + k) % PATHS.length];
          out[path].push(await timed(`${base[path]}/chat/completions`, headers, chat(stream)));
          if (path !== 'direct') proxied++;
        }
      }
      return out;
    }

    process.stderr.write(`warm-up: ${WARMUP} calls per path\n`);
    await paired(false, WARMUP);
    await paired(true, WARMUP / 4);
    process.stderr.write(`latency: ${REQUESTS} calls per path, one at a time\n`);
    const plain = await paired(false, REQUESTS);
    process.stderr.write(`streaming: ${REQUESTS} calls per path, one at a time\n`);
    const streamed = await paired(true, REQUESTS);

    const throughput: Record<Path, number> = { direct: 0, proxy: 0, gateway: 0 };
    for (const path of PATHS) {
      process.stderr.write(`throughput: ${CLIENTS} clients for ${SECONDS} s, ${path}\n`);
      const until = Date.now() + SECONDS * 1000;
      let calls = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (Date.now() < until) {
            await timed(`${base[path]}/chat/completions`, headers, chat(false));
            calls++;
          }
        }),
      );
      throughput[path] = calls / ((performance.now() - started) / 1000);
      if (path !== 'direct') proxied += calls;
    }

    process.stderr.write(`accounting: waiting for ${proxied} usage records\n`);
    const count = async () =>
      Number(
        (await sql.query<{ n: string }>('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [session.projectId]))
          .rows[0].n,
      );
    const deadline = Date.now() + 120_000;
    let recorded = await count();
    while (recorded < proxied && Date.now() < deadline) {
      await sleep(500);
      recorded = await count();
    }
    await sleep(2_000);
    recorded = await count();

    const added = (timings: Record<Path, Timing[]>, path: Path, pick: (t: Timing) => number) =>
      stats(timings[path].map((t, i) => pick(t) - pick(timings.direct[i])));
    const row = (name: string, timings: Record<Path, Timing[]>, pick: (t: Timing) => number) => {
      const d = stats(timings.direct.map(pick));
      const p = stats(timings.proxy.map(pick));
      const g = stats(timings.gateway.map(pick));
      const ap = added(timings, 'proxy', pick);
      const ag = added(timings, 'gateway', pick);
      return `| ${name} | ${fmt(d.p50)} / ${fmt(d.p99)} | ${fmt(p.p50)} / ${fmt(p.p99)} | **${fmt(ap.p50)} / ${fmt(ap.p99)}** | ${fmt(g.p50)} / ${fmt(g.p99)} | ${fmt(ag.p50)} / ${fmt(ag.p99)} |`;
    };
    const v = await versions(sql);
    const lines = [
      '',
      `bench:proxy (${new Date().toISOString()}): ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${load.toFixed(2)} before, Node ${process.version}, PostgreSQL ${v.pg}, NATS ${v.nats}, Redis ${v.redis}`,
      '',
      `| ${REQUESTS} calls per path, one at a time (p50 / p99) | straight to the provider | through the proxy | added by the proxy | through the gateway's /proxy | added via the gateway |`,
      '|---|---|---|---|---|---|',
      row('chat completion, whole answer', plain, (t) => t.totalMs),
      row('streamed: first chunk', streamed, (t) => t.firstByteMs),
      row('streamed: whole stream', streamed, (t) => t.totalMs),
      '',
      `| throughput, ${CLIENTS} clients, ${SECONDS} s | straight to the provider | through the proxy | through the gateway's /proxy |`,
      '|---|---|---|---|',
      `| calls/s | ${throughput.direct.toFixed(0)} | ${throughput.proxy.toFixed(0)} | ${throughput.gateway.toFixed(0)} |`,
      '',
      `accounting: ${proxied} calls through the proxy, ${recorded} usage records (${recorded === proxied ? 'each once' : 'MISMATCH'})`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (recorded !== proxied) process.exitCode = 1;
  } finally {
    await bench.stop();
    await upstream.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:proxy failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
