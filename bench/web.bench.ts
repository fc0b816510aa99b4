// `npm run bench:web`: the dashboard's first load in Chromium with a month of usage behind it. Boots the gateway,
// auth, ingestion and alerts services on a fresh database, signs a user up with two projects, sends BENCH_RECORDS
// (300,000) usage events spread over the last 30 days to one of them through the real ingest path, and one event to
// the other (the baseline: the same page, the same queries, no volume). Then, BENCH_RUNS (5) times each, alternating,
// a cold browser context (no cache) opens the project's overview with a signed-in session cookie and measures:
//   - time to the chart drawn: from navigation start to the chart's first draw (a performance mark);
//   - JavaScript shipped for that first route: every .js file the page loaded, gzip -9 sizes, and what the
//     browser actually transferred (brotli, precompressed at build time);
//   - the slowest API answer of the load (resource timing).
// It stops by itself; every phase is bounded.
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import type { Browser } from 'playwright-core';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import { createSession, createTestDatabase, TestPlatform, type TestSession } from '@llmlab/testing';
import { ensureWebBuild, launchChromium, WEB_DIST } from '../web/e2e/browser';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 1000;
const CONNECTIONS = 4;
const DAY_MS = 86_400_000;
const MODELS = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4.1'],
  ['openai', 'gpt-4.1-mini'],
  ['anthropic', 'claude-haiku-4-5'],
  ['anthropic', 'claude-sonnet-4-6'],
  ['google', 'gemini-2.5-flash'],
  ['mistral', 'mistral-large-2411'],
  ['openai', 'text-embedding-3-small'],
] as const;
const FEATURES = ['search', 'chat', 'summaries', 'agents', 'support', 'translation'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function batchOf(run: string, start: number, n: number, now: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => {
    const i = start + k;
    const [provider, model] = MODELS[(i * 7) % MODELS.length];
    // Spread over the last 30 days (the newest a minute ago), busier on weekdays and in office hours.
    const age = ((i * 2_654_435_761) % (30 * DAY_MS - 60_000)) + 60_000;
    return {
      id: `${run}-${i}`,
      timestamp: new Date(now - age).toISOString(),
      provider,
      model,
      usage: { inputTokens: 800 + (i % 2400), outputTokens: 60 + (i % 500), cachedInputTokens: i % 3 === 0 ? 512 : 0 },
      latencyMs: 200 + (i % 1500),
      status: i % 40 === 0 ? 'error' : 'success',
      ...(i % 40 === 0 ? { errorType: 'RateLimitError' } : {}),
      userId: `user-${i % 500}`,
      tags: { feature: FEATURES[i % FEATURES.length], app: 'bench' },
    };
  });
}

async function post(s: TestSession, events: unknown[], projectKey = s.apiKey.key): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${s.agent.baseUrl}/v1/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': projectKey },
      body: JSON.stringify({ events }),
    });
    if (res.status === 202) return;
    if (attempt > 20) throw new Error(`ingest refused: ${res.status} ${await res.text()}`);
    await sleep(500);
  }
}

async function seed(s: TestSession, sql: Client): Promise<number> {
  const run = randomUUID().slice(0, 8);
  const now = Date.now();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < RECORDS) {
        const start = next;
        next += BATCH;
        await post(s, batchOf(run, start, Math.min(BATCH, RECORDS - start), now));
      }
    }),
  );
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { rows } = await sql.query<{ n: string }>('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [
      s.projectId,
    ]);
    if (Number(rows[0].n) >= RECORDS) break;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${RECORDS} records visible after 10 minutes`);
    await sleep(1000);
  }
  return (Date.now() - started) / 1000;
}

/** A session cookie for the browser: the dashboard's own login route, called from here. */
async function sessionCookie(s: TestSession): Promise<string> {
  const res = await fetch(`${s.agent.baseUrl}/v1/auth/session/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-llmlab-csrf': '1' },
    body: JSON.stringify({ email: s.email, password: s.password }),
  });
  const cookie = /^llmlab_refresh=([^;]+)/.exec(res.headers.get('set-cookie') ?? '');
  if (!cookie) throw new Error(`browser login failed: ${res.status}`);
  return cookie[1];
}

interface Load {
  chartMs: number;
  /** When the last script, the session refresh and the last API answer of the page arrived. */
  scriptsMs: number;
  refreshMs: number;
  apiMs: number;
  scripts: string[];
  transferredBytes: number;
  slowestApi: { path: string; ms: number };
}

async function firstLoad(browser: Browser, s: TestSession, projectId: string): Promise<Load> {
  const url = new URL(s.agent.baseUrl);
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    await context.addCookies([
      {
        name: 'llmlab_refresh',
        value: await sessionCookie(s),
        domain: url.hostname,
        path: '/v1/auth/session',
        httpOnly: true,
        sameSite: 'Strict',
      },
    ]);
    const page = await context.newPage();
    await page.goto(`${s.agent.baseUrl}/orgs/${s.organizationId}/overview?project=${projectId}`);
    await page.locator('[data-testid="stacked-chart"][data-drawn="true"]').waitFor({ timeout: 60_000 });
    const measured = (await page.evaluate(`(() => {
      const mark = performance.getEntriesByName('llmlab:chart-drawn')[0];
      const resources = performance.getEntriesByType('resource');
      const scripts = resources.filter((r) => new URL(r.name).pathname.endsWith('.js'));
      const api = resources.filter((r) => new URL(r.name).pathname.startsWith('/v1/'));
      const slowest = api.sort((a, b) => b.duration - a.duration)[0];
      const refresh = api.find((r) => new URL(r.name).pathname === '/v1/auth/session/refresh');
      const end = (list) => Math.max(0, ...list.map((r) => r.responseEnd));
      return {
        chartMs: mark.startTime,
        scriptsMs: end(scripts),
        refreshMs: refresh ? refresh.responseEnd : 0,
        apiMs: end(api.filter((r) => r.startTime < mark.startTime)),
        scripts: scripts.map((r) => new URL(r.name).pathname),
        transferredBytes: scripts.reduce((n, r) => n + r.transferSize, 0),
        slowestApi: slowest ? { path: new URL(slowest.name).pathname + new URL(slowest.name).search, ms: slowest.duration } : { path: '', ms: 0 },
      };
    })()`)) as Load;
    return measured;
  } finally {
    await context.close();
  }
}

async function main() {
  ensureWebBuild();
  await globalSetup();
  const db = await createTestDatabase();
  const platform = await TestPlatform.start({
    databaseUrl: db.url,
    services: ['gateway', 'auth', 'ingestion', 'alerts'],
    env: {
      RATE_LIMIT_INGEST_PER_HOUR: '1000000000',
      RATE_LIMIT_MANAGEMENT_PER_HOUR: '1000000000',
      RATE_LIMIT_ANONYMOUS_PER_HOUR: '1000000',
      MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      WEB_DIST_DIR: WEB_DIST,
      LOG_LEVEL: 'warn',
    },
  });
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  let browser: Browser | undefined;
  try {
    await platform.waitForReadiness(200, 60_000).catch(() => undefined);
    const s = await createSession(platform.gatewayUrl, { projectName: 'busy project', apiKeyScopes: ['ingest'] });
    const baseline = await s.agent.post(`/v1/organizations/${s.organizationId}/projects`, { name: 'quiet project' });
    const baselineKey = await s.agent.post(`/v1/projects/${baseline.body.id}/api-keys`, { name: 'bench', scopes: ['ingest'] });
    await post(s, batchOf('baseline', 0, 1, Date.now()), baselineKey.body.key);
    process.stderr.write(`seeding ${RECORDS} records over 30 days...\n`);
    const seedSeconds = await seed(s, sql);
    process.stderr.write(`seeded in ${seedSeconds.toFixed(0)} s; ${RUNS} cold loads of each overview\n`);
    await sql.query('ANALYZE');
    browser = await launchChromium();
    // One warm-up of each: the services' JIT and connection pools, not the browser's cache (every load is a new context).
    await firstLoad(browser, s, s.projectId);
    await firstLoad(browser, s, baseline.body.id);
    const busy: Load[] = [];
    const quiet: Load[] = [];
    for (let i = 0; i < RUNS; i++) {
      busy.push(await firstLoad(browser, s, s.projectId));
      quiet.push(await firstLoad(browser, s, baseline.body.id));
    }

    const scripts = [...new Set(busy[0].scripts)];
    const gzipOf = (paths: string[]) =>
      [...new Set(paths)].reduce((n, path) => n + gzipSync(readFileSync(join(WEB_DIST, path)), { level: 9 }).length, 0);
    const gzipBytes = gzipOf(scripts);
    const allScripts = scriptsIn(WEB_DIST);
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    const ms = (values: number[]) =>
      `${Math.round(median(values))} ms (${Math.round(Math.min(...values))} to ${Math.round(Math.max(...values))})`;
    const load = loadavg()[0];
    const lines = [
      `web benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, Chromium ${browser.version()}; load average after the run ${load.toFixed(2)}`,
      '',
      `| overview, first load in a cold browser context (median of ${RUNS}, min to max) | ${RECORDS.toLocaleString('en-US')} records over 30 days | baseline: 1 record |`,
      '|---|---|---|',
      `| time to the chart drawn (navigation start to first draw) | **${ms(busy.map((l) => l.chartMs))}** | ${ms(quiet.map((l) => l.chartMs))} |`,
      `| last script loaded | ${ms(busy.map((l) => l.scriptsMs))} | ${ms(quiet.map((l) => l.scriptsMs))} |`,
      `| session refreshed (access token from the cookie) | ${ms(busy.map((l) => l.refreshMs))} | ${ms(quiet.map((l) => l.refreshMs))} |`,
      `| last API answer before the draw | ${ms(busy.map((l) => l.apiMs))} | ${ms(quiet.map((l) => l.apiMs))} |`,
      `| slowest API answer during the load | ${ms(busy.map((l) => l.slowestApi.ms))} | ${ms(quiet.map((l) => l.slowestApi.ms))} |`,
      `| JavaScript files loaded | ${scripts.length} | ${new Set(quiet[0].scripts).size} |`,
      `| JavaScript shipped, gzip -9 | **${kb(gzipBytes)} KB** | ${kb(gzipOf(quiet[0].scripts))} KB |`,
      `| JavaScript transferred (brotli, precompressed) | ${kb(median(busy.map((l) => l.transferredBytes)))} KB | ${kb(median(quiet.map((l) => l.transferredBytes)))} KB |`,
      '',
      `The slowest API call of each busy load: ${busy.map((l) => `${l.slowestApi.path.split('?')[0].replace(/[0-9a-f-]{36}/g, '{id}')}${l.slowestApi.path.includes('groupBy=') ? ` (groupBy=${new URLSearchParams(l.slowestApi.path.split('?')[1]).get('groupBy')})` : ''}`).join(', ')}.`,
      `The whole build holds ${allScripts.count} JavaScript files, ${kb(allScripts.gzip)} KB gzip: the first route loads ${scripts.map((p) => basename(p)).join(', ')}.`,
      `Seeding took ${seedSeconds.toFixed(0)} s through POST /v1/usage (batches of ${BATCH}, ${CONNECTIONS} connections).`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await browser?.close();
    await sql.end();
    await platform.stop();
    await db.drop();
    await globalTeardown();
  }
}

function scriptsIn(dist: string): { count: number; gzip: number } {
  const dir = join(dist, 'assets');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  return { count: files.length, gzip: files.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0) };
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
