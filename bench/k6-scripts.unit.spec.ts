// The k6 scripts of bench/k6 cannot run here (no k6 binary), so this keeps them honest: each is bundled as k6
// loads it (ES module, k6's modules external), then run once in Node against a fake of k6's modules that answers
// like the API. Every request must name a route of docs/openapi.json with its method; every usage event must pass
// the contracts' validation and every span the OTLP intake's; every threshold must name a metric that exists;
// every scenario must run a function the script exports. A script that breaks, or calls a renamed route, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { validateUsageEvent } from '@llmlab/contracts';
import { readOtlpSpans } from '../services/gateway/src/otlp/otlp-spans';

const DIR = join(__dirname, 'k6');
const SCRIPTS = readdirSync(DIR).filter((name) => name.endsWith('.ts'));
const BASE_URL = 'https://llmlab.test';
const PROJECT_ID = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51';
const ORG_ID = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50';

/** k6's built-in metrics a threshold may name. */
const BUILTIN_METRICS = new Set([
  'checks',
  'data_received',
  'data_sent',
  'dropped_iterations',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_duration',
  'http_req_failed',
  'http_req_receiving',
  'http_req_sending',
  'http_req_tls_handshaking',
  'http_req_waiting',
  'http_reqs',
  'iteration_duration',
  'iterations',
  'vus',
  'vus_max',
]);

/** The OpenAPI operations as [method, path regex, template]. */
const openapi = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const OPERATIONS = Object.entries(openapi.paths).flatMap(([template, item]) =>
  Object.keys(item)
    .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map((method) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+')}$`),
    })),
);
const operationOf = (method: string, path: string) => OPERATIONS.find((op) => op.method === method && op.pattern.test(path))?.template;

// What the bundle's `k6` imports become in Node: thin modules over the fake the test installs on globalThis.
const FAKE_MODULES: Record<string, string> = {
  k6: `const f = () => globalThis.__k6fake;
    export const check = (value, sets, tags) => f().check(value, sets, tags);
    export const sleep = () => {};
    export const fail = (message) => { throw new Error(message); };
    export const group = (_name, fn) => fn();`,
  'k6/http': `const f = () => globalThis.__k6fake;
    const http = { request: (...a) => f().request(...a), expectedStatuses: (...s) => ({ expectedStatuses: s }) };
    export default http;`,
  'k6/metrics': `const f = () => globalThis.__k6fake;
    class Metric { constructor(name) { this.name = name; f().metrics.set(name, []); } add(value, tags) { f().metrics.get(this.name).push({ value, tags }); } }
    export class Counter extends Metric {} export class Gauge extends Metric {} export class Trend extends Metric {} export class Rate extends Metric {}`,
  'k6/execution': `const f = () => globalThis.__k6fake;
    export default { get scenario() { return f().scenario; }, test: { abort(message) { throw new Error(message); } } };`,
};
const fakeK6: Plugin = {
  name: 'fake-k6',
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'fake-k6' }));
    b.onLoad({ filter: /.*/, namespace: 'fake-k6' }, (args) => {
      const contents = FAKE_MODULES[args.path];
      if (contents === undefined) throw new Error(`the fake has no ${args.path}: add it, or use a module it has`);
      return { contents, loader: 'js' };
    });
  },
};

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string | null;
}

interface UsageEventLike {
  id: string;
  timestamp: string;
  userId?: string;
  tags?: Record<string, string>;
}

/** An API that answers the scripts' requests as the install would, from what they sent before. */
class FakeK6 {
  readonly requests: Recorded[] = [];
  readonly metrics = new Map<string, { value: number; tags?: Record<string, string> }[]>();
  readonly checks: { name: string; passed: boolean }[] = [];
  readonly events: UsageEventLike[] = [];
  readonly spans = new Map<string, number>();
  scenario = { name: 'default', iterationInTest: 0, startTime: Date.now() };

  check(value: unknown, sets: Record<string, (v: unknown) => boolean>): boolean {
    let all = true;
    for (const [name, fn] of Object.entries(sets)) {
      const passed = !!fn(value);
      this.checks.push({ name, passed });
      all &&= passed;
    }
    return all;
  }

  request(method: string, url: string, body: string | null, params?: { headers?: Record<string, string> }) {
    if (!url.startsWith(`${BASE_URL}/`)) throw new Error(`a request outside BASE_URL: ${url}`);
    const parsed = new URL(url);
    const call: Recorded = { method, path: parsed.pathname, query: parsed.searchParams, headers: params?.headers ?? {}, body };
    this.requests.push(call);
    const [status, answer] = this.answer(call);
    const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
    return { status, body: text, json: () => JSON.parse(text) as unknown, timings: { duration: 5 }, headers: {} };
  }

  private answer(call: Recorded): [number, unknown] {
    const { method, path, query } = call;
    const keyed = call.headers['X-API-Key'] === 'llm_test_key';
    const route = `${method} ${operationOf(method, path) ?? path}`;
    switch (route) {
      case 'GET /health':
        return [200, { status: 'ok' }];
      case 'GET /v1/me':
        return keyed
          ? [200, { type: 'api_key', apiKey: { projectId: PROJECT_ID, organizationId: ORG_ID, scopes: ['ingest', 'read'] } }]
          : [401, {}];
      case 'POST /v1/auth/login':
        return [200, { accessToken: 'jwt', refreshToken: 'rt', tokenType: 'Bearer', expiresIn: 900 }];
      case 'POST /v1/usage': {
        const events = (JSON.parse(call.body!) as { events: UsageEventLike[] }).events;
        const rejected = events.flatMap((event, index) => {
          const checked = validateUsageEvent(event, new Date(), `/events/${index}`);
          return checked.ok ? [] : [{ index, errors: checked.errors }];
        });
        this.events.push(...events.filter((_, index) => !rejected.some((r) => r.index === index)));
        return [202, { accepted: events.length - rejected.length, duplicates: 0, rejected }];
      }
      case 'GET /v1/projects/{projectId}/usage': {
        const from = Date.parse(query.get('from')!);
        const to = query.has('to') ? Date.parse(query.get('to')!) : Date.now();
        const data = this.events.filter(
          (e) =>
            Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to && (!query.has('userId') || e.userId === query.get('userId')),
        );
        return [200, { data, nextCursor: null }];
      }
      case 'GET /v1/projects/{projectId}/costs/breakdown':
      case 'GET /v1/organizations/{orgId}/costs/breakdown': {
        const group = query.get('groupBy')!;
        const key = (e: UsageEventLike) => (group.startsWith('tag:') ? (e.tags?.[group.slice(4)] ?? null) : null);
        const counts = new Map<string | null, number>();
        for (const e of this.events) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
        return [200, { groupBy: group, rows: [...counts].map(([k, requests]) => ({ key: k, requests })) }];
      }
      case 'GET /v1/projects/{projectId}/costs/summary':
      case 'GET /v1/organizations/{orgId}/costs/summary':
        return [200, { current: { requests: this.events.length } }];
      case 'GET /v1/projects/{projectId}/usage/export':
        return [200, Array.from({ length: 20 }, (_, i) => `{"id":"r${i}"}\n`).join('')];
      case 'POST /v1/otlp/v1/traces': {
        const read = readOtlpSpans(JSON.parse(call.body!), new Date());
        for (const event of read.usageEvents) {
          const checked = validateUsageEvent(event, new Date());
          if (!checked.ok) read.rejected.push(...checked.errors);
        }
        for (const span of read.spans) this.spans.set(span.traceId, (this.spans.get(span.traceId) ?? 0) + 1);
        return [
          200,
          read.rejected.length > 0
            ? { partialSuccess: { rejectedSpans: read.rejected.length, errorMessage: JSON.stringify(read.rejected) } }
            : {},
        ];
      }
      case 'GET /v1/projects/{projectId}/traces/{traceId}': {
        const spanCount = this.spans.get(path.split('/').pop()!);
        return spanCount === undefined ? [404, {}] : [200, { spanCount }];
      }
      default:
        return [404, { title: `no such route in the fake: ${route}` }];
    }
  }
}

interface K6Module {
  options?: { scenarios?: Record<string, { exec?: string }>; thresholds?: Record<string, string[]> };
  setup?: () => unknown;
  [name: string]: unknown;
}

/** Runs the bundle's init code (as each k6 VU does) with `env` as __ENV. */
async function load(script: string, env: Record<string, string>): Promise<{ mod: K6Module; fake: FakeK6 }> {
  const out = await build({
    entryPoints: [join(DIR, script)],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'neutral',
    plugins: [fakeK6],
    logLevel: 'silent',
  });
  const fake = new FakeK6();
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, { __k6fake: fake, __ENV: env, __VU: 1, __ITER: 0 });
  const module = { exports: {} as K6Module };
  new Function('module', 'exports', out.outputFiles[0].text)(module, module.exports);
  return { mod: module.exports, fake };
}

const ENV = {
  BASE_URL: `${BASE_URL}/`,
  API_KEY: 'llm_test_key',
  EMAIL: 'ada@example.com',
  PASSWORD: 'correct horse battery staple',
  // The fake answers at once and k6's sleep is a no-op here: short waits, so that a script that never sees its
  // events fails within the test's time instead of spinning.
  INGEST_DRAIN_QUIET_SECONDS: '0.01',
  INGEST_DRAIN_TIMEOUT: '6s',
  INGEST_FRESHNESS_TIMEOUT_SECONDS: '0.5',
  OTLP_FRESHNESS_TIMEOUT_SECONDS: '0.5',
  EXPORT_MIN_ROWS: '10',
};

afterEach(() => {
  for (const name of ['__k6fake', '__ENV', '__VU', '__ITER']) delete (globalThis as Record<string, unknown>)[name];
});

it('finds the four scripts', () => {
  expect(SCRIPTS.sort()).toEqual(['auth.ts', 'cost-queries.ts', 'ingest.ts', 'otlp.ts']);
});

describe.each(SCRIPTS)('bench/k6/%s', (script) => {
  it('bundles as k6 loads it: an ES module exporting default and options, k6 modules left to k6', async () => {
    const out = await build({
      entryPoints: [join(DIR, script)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      external: ['k6', 'k6/*'],
      metafile: true,
      logLevel: 'silent',
    });
    const [output] = Object.values(out.metafile.outputs);
    expect(output.exports).toEqual(expect.arrayContaining(['default', 'options']));
    const imports = output.imports.map((i) => i.path);
    expect(imports.every((path) => /^k6(\/|$)/.test(path))).toBe(true);
  });

  it('stops at once, naming the variable, when BASE_URL or API_KEY is missing', async () => {
    await expect(load(script, { API_KEY: 'llm_test_key' })).rejects.toThrow(/BASE_URL is not set/);
    await expect(load(script, { BASE_URL })).rejects.toThrow(/API_KEY is not set/);
  });

  it('has thresholds on metrics that exist, and scenarios running exported functions', async () => {
    const { mod, fake } = await load(script, ENV);
    const thresholds = Object.keys(mod.options?.thresholds ?? {});
    expect(thresholds.length).toBeGreaterThan(1);
    for (const threshold of thresholds) {
      const metric = threshold.replace(/\{.*\}$/, '');
      expect(BUILTIN_METRICS.has(metric) || fake.metrics.has(metric) ? metric : `${threshold}: no such metric`).toBe(metric);
    }
    expect(typeof mod.default).toBe('function');
    for (const [name, scenario] of Object.entries(mod.options?.scenarios ?? {})) {
      expect([name, typeof mod[scenario.exec ?? 'default']]).toEqual([name, 'function']);
    }
  });

  it('calls only routes of docs/openapi.json, with valid bodies, and every check passes', async () => {
    const { mod, fake } = await load(script, ENV);
    const data = mod.setup?.();
    const scenarios = Object.entries(mod.options?.scenarios ?? {});
    for (const [name, scenario] of scenarios) {
      // Two iterations each, the first a freshness probe where the script has them.
      for (const iterationInTest of [0, 1]) {
        fake.scenario = { name, iterationInTest, startTime: Date.now() };
        (mod[scenario.exec ?? 'default'] as (d: unknown) => void)(data);
      }
    }
    expect(fake.requests.length).toBeGreaterThan(scenarios.length);
    const unknown = fake.requests.filter((r) => !operationOf(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(unknown).toEqual([]);
    expect(fake.checks.filter((c) => !c.passed)).toEqual([]);
    expect(fake.checks.length).toBeGreaterThan(0);
    for (const r of fake.requests.filter((r) => r.path.startsWith('/v1/') && r.method !== 'POST')) {
      expect(r.headers['X-API-Key'] ?? r.headers.Authorization).toBeDefined();
    }
  });
});

it('ingest.ts: measures freshness through the records and end to end through the breakdown of what it sent', async () => {
  const { mod, fake } = await load('ingest.ts', ENV);
  const data = mod.setup!();
  for (const [name, fn] of [
    ['paced', mod.paced],
    ['sustained', mod.sustained],
    ['sustained', mod.sustained],
    ['drain', mod.drain],
  ] as const) {
    fake.scenario = { name, iterationInTest: name === 'sustained' ? fake.requests.length : 0, startTime: Date.now() };
    (fn as (d: unknown) => void)(data);
  }
  expect(fake.metrics.get('ingest_freshness_ms')).toHaveLength(1);
  expect(fake.metrics.get('ingest_freshness_timeouts')).toHaveLength(0);
  // Two sustained batches of INGEST_BATCH (500): all of them, and none of the paced ones, counted as queryable.
  expect(fake.metrics.get('ingest_sustained_events_queryable')).toEqual([{ value: 1000, tags: undefined }]);
  expect(new Set(fake.events.map((e) => e.id)).size).toBe(fake.events.length);
  const [rate] = fake.metrics.get('ingest_end_to_end_events_per_s')!;
  expect(rate.value).toBeGreaterThan(0);
  expect(rate.value).toBeLessThanOrEqual(1000 / 60);
});

it('otlp.ts: its spans are read by the intake without a rejection, and the probe waits for all 8 of a trace', async () => {
  const { mod, fake } = await load('otlp.ts', ENV);
  const data = mod.setup!();
  fake.scenario = { name: 'paced', iterationInTest: 0, startTime: Date.now() };
  (mod.default as (d: unknown) => void)(data);
  expect([...fake.spans.values()]).toEqual(Array.from({ length: 10 }, () => 8));
  expect(fake.metrics.get('otlp_freshness_ms')).toHaveLength(1);
  expect(fake.metrics.get('otlp_spans_accepted')).toEqual([{ value: 80, tags: undefined }]);
});
