// `npm run bench:sync`: a year of what OpenAI and Anthropic billed, imported by provider-sync. Starts the fake OpenAI
// and Anthropic Admin APIs in this process (their wire formats, their documented page sizes) with BENCH_DAYS (365)
// daily buckets of costs and usage for 50 models (30 OpenAI, 20 Anthropic) over 4 projects and the default one, boots
// the gateway, auth, ingestion and provider-sync services as separate processes on a fresh database, registers one
// connection per provider through the gateway, and measures in one run:
//   1. the baseline: the same pages fetched and parsed by the same plugins in this process, nothing stored;
//   2. the import: `POST /v1/providers/{id}/sync` over the whole range, one provider after the other, until each run
//      is completed: rows imported, pages fetched, wall time, rows/s, and the CPU each process spent per row;
//   3. an idempotent re-sync of the same range (nothing changed): the same, plus what it wrote (events, read-model rows);
//   4. the ceiling: PostgreSQL COPY of the imported rows into tables shaped and indexed like the read models;
//   5. one load of a connection's whole imports stream (read + fold, what the sync runner does before each command).
// It stops by itself; every wait is bounded.
import 'reflect-metadata';
import { cpus, loadavg, totalmem } from 'node:os';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { providerSyncStreams, type ProviderSyncEvent, type SyncRunView } from '@llmlab/contracts';
import { Money } from '@llmlab/domain';
import { createEventStore } from '@llmlab/event-store';
import { streamTopology } from '@llmlab/messaging';
import { createOutboundPolicy, OutboundClient } from '@llmlab/notifications';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import {
  createSession,
  createTestDatabase,
  FakeAnthropicServer,
  FakeOpenAiServer,
  TestPlatform,
  testEnv,
  type FakeCostRow,
  type FakeProviderServer,
  type FakeUsageRow,
  type TestSession,
} from '@llmlab/testing';
import { AnthropicPlugin } from '../services/provider-sync/src/plugins/anthropic.plugin';
import { OpenAiPlugin } from '../services/provider-sync/src/plugins/openai.plugin';
import { ProviderHttp } from '../services/provider-sync/src/plugins/provider-http';
import type { ProviderPage, ProviderPlugin } from '../services/provider-sync/src/plugins/provider-plugin';
import { importsDecider } from '../services/provider-sync/src/sync/imports.decider';
import { copyCeiling, cpuSeconds, cpuSpent, cpuTable, versions } from './measure';

const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const DAY_MS = 86_400_000;
const RUN_TIMEOUT_MS = 30 * 60_000;
/** The range ends at the start of the current UTC day: every day of it is over. */
const TO = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const FROM = TO - DAYS * DAY_MS;
const dayOf = (i: number) => new Date(FROM + i * DAY_MS).toISOString().slice(0, 10);

const OPENAI_CHAT = [
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'gpt-5-2025-08-07',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-4.1-2025-04-14',
  'gpt-4.1-mini-2025-04-14',
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4o-2024-08-06',
  'gpt-4o-2024-11-20',
  'gpt-4o-mini-2024-07-18',
  'gpt-4o-audio-preview',
  'gpt-4o-mini-search-preview',
  'gpt-realtime',
  'gpt-4-turbo',
  'gpt-3.5-turbo',
  'o1',
  'o1-mini',
  'o3',
  'o3-mini',
  'o3-2025-04-16',
  'o4-mini',
  'o4-mini-2025-04-16',
  'computer-use-preview',
];
const OPENAI_EMBEDDINGS = ['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'];
const ANTHROPIC = [
  'claude-opus-4-5-20251101',
  'claude-opus-4-1-20250805',
  'claude-opus-4-20250514',
  'claude-sonnet-4-5-20250929',
  'claude-sonnet-4-20250514',
  'claude-haiku-4-5-20251001',
  'claude-3-7-sonnet-20250219',
  'claude-3-5-sonnet-20241022',
  'claude-3-5-sonnet-20240620',
  'claude-3-5-haiku-20241022',
  'claude-3-haiku-20240307',
  'claude-3-opus-20240229',
  'claude-3-sonnet-20240229',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-haiku-4-6',
  'claude-opus-4-6-fast',
  'claude-sonnet-4-6-1m',
  'claude-haiku-4-5-batch',
  'claude-sonnet-4-5-1m',
];
/** Each model is used by 3 of these 5 projects (null: the provider's default project or workspace, unmapped). */
const OPENAI_PROJECTS = ['proj_a1', 'proj_b2', 'proj_c3', 'proj_d4', null];
const WORKSPACES = ['wrkspc_a1', 'wrkspc_b2', 'wrkspc_c3', 'wrkspc_d4', null];
const PROJECTS_PER_MODEL = 3;

/**
 * A decimal string built from integers only (`units` millionths, then a tail of digits): long decimals that a float
 * would round, within the 12 decimal places of dollars the read model keeps (NUMERIC(60, 12)).
 */
const decimal = (units: number, tail: number) => `${Math.floor(units / 1_000_000)}.${String(units % 1_000_000).padStart(6, '0')}${tail}`;

interface Dataset {
  costs: FakeCostRow[];
  usage: FakeUsageRow[];
}

/**
 * A year of an organization's reports: models launched during the year (model m from day (m mod 10) × 20), used by 3
 * projects each, busier on weekdays. OpenAI: costs by project and line item (`<model>, input|output`, amounts in
 * dollars as long JSON numbers), usage by model and project (completions, embeddings). Anthropic: costs by workspace
 * and description (input, output, cache read; amounts in cents as decimal strings), usage by model and workspace.
 */
function dataset(provider: 'openai' | 'anthropic'): Dataset {
  const models =
    provider === 'openai'
      ? [...OPENAI_CHAT.map((m) => [m, 'completions'] as const), ...OPENAI_EMBEDDINGS.map((m) => [m, 'embeddings'] as const)]
      : ANTHROPIC.map((m) => [m, 'messages'] as const);
  const projects = provider === 'openai' ? OPENAI_PROJECTS : WORKSPACES;
  const costs: FakeCostRow[] = [];
  const usage: FakeUsageRow[] = [];
  for (let d = 0; d < DAYS; d++) {
    const day = dayOf(d);
    const weekday = new Date(FROM + d * DAY_MS).getUTCDay() % 6 !== 0;
    for (const [m, [model, kind]] of models.entries()) {
      if (d < (m % 10) * 20) continue;
      for (let k = 0; k < PROJECTS_PER_MODEL; k++) {
        const project = projects[(m + k) % projects.length];
        const seed = (d * 7919 + m * 104_729 + k * 15_485_863) % 1_000_003;
        const tokens = (weekday ? 4 : 1) * (20_000 + (seed % 5_000_000));
        const items =
          provider === 'anthropic'
            ? ['Input Tokens', 'Output Tokens', 'Cache Read'].map((t) => `${model} Usage - ${t}`)
            : kind === 'embeddings'
              ? [`${model}, input`]
              : [`${model}, input`, `${model}, output`];
        for (const [i, lineItem] of items.entries()) {
          const units = ((tokens >> i) * (m + 3)) % 900_000_000;
          costs.push(
            provider === 'openai'
              ? { day, project, lineItem, amount: decimal(units, 101 + i) }
              : { day, project, lineItem, model, amount: decimal(units * 100, 7) },
          );
        }
        usage.push({
          day,
          project,
          model,
          kind,
          inputTokens: tokens,
          outputTokens: kind === 'embeddings' ? 0 : tokens >> 3,
          cachedInputTokens: kind === 'embeddings' ? 0 : tokens >> 2,
          requests: provider === 'openai' ? 1 + (tokens >> 11) : 0,
        });
      }
    }
  }
  return { costs, usage };
}

/** The amounts in dollars the import must total, computed exactly (Anthropic's are cents). */
function billedTotal(provider: 'openai' | 'anthropic', rows: FakeCostRow[]): Money {
  const sum = rows.reduce((total, row) => total.plus(row.amount), new Money(0));
  return provider === 'anthropic' ? sum.div(100) : sum;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Baseline: the plugin's pages from the fake, parsed into rows, nothing stored. */
async function fetchOnly(plugin: ProviderPlugin, fake: FakeProviderServer, adminKey: string) {
  const client = new OutboundClient(createOutboundPolicy({ trustedOrigins: [fake.url], maxResponseBytes: 16 << 20 }));
  const http = new ProviderHttp(client);
  const access = { adminKey, baseUrl: fake.url };
  const range = { from: new Date(FROM), to: new Date(TO) };
  let rows = 0;
  let pages = 0;
  const count = async <Row>(report: AsyncIterable<ProviderPage<Row>>) => {
    for await (const page of report) {
      rows += page.rows.length;
      pages++;
    }
  };
  const started = process.hrtime.bigint();
  await count(plugin.costs(http, access, range));
  await count(plugin.usage(http, access, range));
  return { rows, pages, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function waitForRun(s: TestSession, connectionId: string, runId: string): Promise<SyncRunView> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const runs = await s.agent.get<SyncRunView[]>(`/v1/providers/${connectionId}/runs`);
    const run = runs.body.find((r) => r.runId === runId);
    if (run && run.status !== 'running') return run;
    if (Date.now() > deadline) throw new Error(`sync run ${runId} still running after ${RUN_TIMEOUT_MS / 60_000} minutes`);
    await sleep(200);
  }
}

interface Connection {
  provider: 'openai' | 'anthropic';
  connectionId: string;
}

/** One sync run per connection, one after the other, over the whole range; the clock stops when each is completed. */
async function syncAll(s: TestSession, connections: Connection[], cpu: () => Map<string, number>) {
  const before = cpu();
  const runs: (SyncRunView & { provider: Connection['provider']; seconds: number })[] = [];
  const started = Date.now();
  for (const c of connections) {
    const t0 = Date.now();
    const res = await s.agent.post(`/v1/providers/${c.connectionId}/sync`, {
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
    });
    if (res.status !== 202) throw new Error(`sync refused: ${res.status} ${JSON.stringify(res.body)}`);
    const run = await waitForRun(s, c.connectionId, res.body.runId as string);
    if (run.status !== 'completed') throw new Error(`the ${c.provider} sync run ${run.status}: ${run.error}`);
    runs.push({ ...run, provider: c.provider, seconds: (Date.now() - t0) / 1000 });
  }
  const seconds = (Date.now() - started) / 1000;
  return { runs, seconds, cpu: cpuSpent(before, cpu()) };
}

async function eventStats(sql: Client, connections: Connection[]) {
  const streams = connections.map((c) => providerSyncStreams.imports(c.connectionId));
  const { rows } = await sql.query<{ events: string; bytes: string; largest: string }>(
    `SELECT count(*) AS events, coalesce(sum(pg_column_size(data)), 0) AS bytes, coalesce(max(pg_column_size(data)), 0) AS largest
       FROM event_store.events WHERE stream_id = ANY($1)`,
    [streams],
  );
  return { events: Number(rows[0].events), bytes: Number(rows[0].bytes), largest: Number(rows[0].largest) };
}

async function readModelRows(sql: Client, connectionIds: string[], since?: Date) {
  const count = async (table: string) =>
    Number(
      (
        await sql.query<{ n: string }>(
          `SELECT count(*) AS n FROM provider_sync.${table} WHERE connection_id = ANY($1::uuid[]) AND ($2::timestamptz IS NULL OR updated_at >= $2)`,
          [connectionIds, since ?? null],
        )
      ).rows[0].n,
    );
  return { costs: await count('cost_buckets'), usage: await count('usage_buckets') };
}

/**
 * Whether the event relay has published every event of the store to the run's JetStream events stream (bounded wait),
 * and the NATS server's `max_payload`: an event larger than that can never be published.
 */
async function relayCaughtUp(
  sql: Client,
  natsPrefix: string,
): Promise<{ caughtUp: boolean; events: number; published: number; maxPayload: number }> {
  const nc = await connect({ servers: testEnv.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const events = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM event_store.events')).rows[0].n);
      const published = (await jsm.streams.info(streamTopology(natsPrefix).events.name)).state.messages;
      if (published >= events || Date.now() > deadline)
        return { caughtUp: published >= events, events, published, maxPayload: nc.info?.max_payload ?? 0 };
      await sleep(500);
    }
  } finally {
    await nc.close();
  }
}

async function main() {
  await globalSetup();
  const openai = await new FakeOpenAiServer().start();
  const anthropic = await new FakeAnthropicServer().start();
  const keys = { openai: 'sk-admin-bench-openai-0001', anthropic: 'sk-ant-admin01-bench-0002' };
  openai.adminKeys.add(keys.openai);
  anthropic.adminKeys.add(keys.anthropic);
  const data = { openai: dataset('openai'), anthropic: dataset('anthropic') };
  Object.assign(openai, data.openai);
  Object.assign(anthropic, data.anthropic);
  const expected = {
    openai: data.openai.costs.length + data.openai.usage.length,
    anthropic: data.anthropic.costs.length + data.anthropic.usage.length,
  };
  const billed = billedTotal('openai', data.openai.costs).plus(billedTotal('anthropic', data.anthropic.costs));

  const db = await createTestDatabase();
  const platform = await TestPlatform.start({
    databaseUrl: db.url,
    services: ['gateway', 'auth', 'ingestion', 'provider-sync'],
    env: {
      PROVIDER_SYNC_TRUSTED_ORIGINS: `${openai.url},${anthropic.url}`,
      RATE_LIMIT_MANAGEMENT_PER_HOUR: '1000000000',
      LOG_LEVEL: 'warn',
    },
  });
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  const store = createEventStore({ databaseUrl: db.url });
  try {
    const s = await createSession(platform.gatewayUrl);
    const projects = [s.projectId];
    for (let i = 1; i < 4; i++) {
      const res = await s.agent.post(`/v1/organizations/${s.organizationId}/projects`, { name: `bench project ${i}` });
      if (res.status !== 201) throw new Error(`project refused: ${res.status}`);
      projects.push(res.body.id as string);
    }
    const load = loadavg()[0];

    process.stderr.write(`baseline: fetching and parsing ${DAYS} days from the fakes without storing\n`);
    const fetched = {
      openai: await fetchOnly(new OpenAiPlugin(), openai, keys.openai),
      anthropic: await fetchOnly(new AnthropicPlugin(), anthropic, keys.anthropic),
    };

    const connections: Connection[] = [];
    for (const [provider, fake, externals] of [
      ['openai', openai, OPENAI_PROJECTS],
      ['anthropic', anthropic, WORKSPACES],
    ] as const) {
      const res = await s.agent.post(`/v1/organizations/${s.organizationId}/providers`, {
        provider,
        name: `${provider} bench`,
        credentials: { adminKey: keys[provider] },
        baseUrl: fake.url,
        syncEnabled: false,
        mappings: externals.flatMap((externalId, i) => (externalId ? [{ externalId, projectId: projects[i] }] : [])),
      });
      if (res.status !== 201) throw new Error(`connection refused: ${res.status} ${JSON.stringify(res.body)}`);
      connections.push({ provider, connectionId: res.body.connectionId as string });
    }
    const cpu = () => cpuSeconds(platform.natsPrefix, db.name);

    process.stderr.write(`import: ${expected.openai + expected.anthropic} rows over ${DAYS} days\n`);
    const first = await syncAll(s, connections, cpu);
    const imported = first.runs.reduce((n, r) => n + r.rowsImported, 0);
    const stored = await readModelRows(
      sql,
      connections.map((c) => c.connectionId),
    );
    const total = (await sql.query<{ total: string }>('SELECT coalesce(sum(amount), 0)::text AS total FROM provider_sync.cost_buckets'))
      .rows[0].total;
    const eventsAfterImport = await eventStats(sql, connections);
    const relayed = await relayCaughtUp(sql, platform.natsPrefix);

    process.stderr.write('re-sync of the same range\n');
    const resyncStarted = new Date();
    const again = await syncAll(s, connections, cpu);
    const eventsAfterResync = await eventStats(sql, connections);
    const rewritten = await readModelRows(
      sql,
      connections.map((c) => c.connectionId),
      resyncStarted,
    );

    const ids = connections.map((c) => `'${c.connectionId}'`).join(',');
    const copyCosts = copyCeiling(
      db.url,
      `SELECT * FROM provider_sync.cost_buckets WHERE connection_id IN (${ids})`,
      'provider_sync.cost_buckets',
    );
    const copyUsage = copyCeiling(
      db.url,
      `SELECT * FROM provider_sync.usage_buckets WHERE connection_id IN (${ids})`,
      'provider_sync.usage_buckets',
    );
    const copy = { rows: copyCosts.rows + copyUsage.rows, seconds: copyCosts.seconds + copyUsage.seconds };

    // What CommandRunner.load does before every command of a run (StartRun, the run's start, each page, CompleteRun),
    // timed in its two parts on the final streams.
    // Best of 3: the machine is shared, and the least disturbed load is the closest to its cost.
    const folds = [];
    for (const c of connections) {
      let best = { readMs: Infinity, evolveMs: Infinity, events: 0, buckets: 0 };
      for (let attempt = 0; attempt < 3; attempt++) {
        const t0 = process.hrtime.bigint();
        const recorded = await store.readStream(providerSyncStreams.imports(c.connectionId));
        const t1 = process.hrtime.bigint();
        const state = recorded.reduce(
          (folded, e) => importsDecider.evolve(folded, { type: e.type, data: e.data } as ProviderSyncEvent),
          importsDecider.initialState(),
        );
        const t2 = process.hrtime.bigint();
        const [readMs, evolveMs] = [Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6];
        if (readMs + evolveMs < best.readMs + best.evolveMs)
          best = { readMs, evolveMs, events: recorded.length, buckets: state.costs.size + state.usage.size };
      }
      const run = again.runs.find((r) => r.provider === c.provider)!;
      folds.push({ provider: c.provider, ...best, loads: 3, resyncSeconds: run.seconds });
    }
    const v = await versions(sql);

    const pages = (runs: { pagesFetched: number }[]) => runs.reduce((n, r) => n + r.pagesFetched, 0);
    const rate = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');
    const allFetched = {
      rows: fetched.openai.rows + fetched.anthropic.rows,
      pages: fetched.openai.pages + fetched.anthropic.pages,
      seconds: fetched.openai.seconds + fetched.anthropic.seconds,
    };
    const lines = [
      `sync benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${v.pg}, NATS ${v.nats}, Redis ${v.redis}; load average before the run ${load.toFixed(2)}`,
      `${DAYS} days [${dayOf(0)}, ${new Date(TO).toISOString().slice(0, 10)}), ${OPENAI_CHAT.length + OPENAI_EMBEDDINGS.length} OpenAI + ${ANTHROPIC.length} Anthropic models, ` +
        `${PROJECTS_PER_MODEL} of 5 projects each: OpenAI ${data.openai.costs.length} cost + ${data.openai.usage.length} usage rows, ` +
        `Anthropic ${data.anthropic.costs.length} cost + ${data.anthropic.usage.length} usage rows`,
      '',
      '| phase | rows | pages | wall time | rows/s |',
      '|---|---|---|---|---|',
      ...first.runs.map(
        (r) =>
          `| import, ${r.provider} (sync run) | ${r.rowsImported} | ${r.pagesFetched} | ${r.seconds.toFixed(1)} s | ${rate(r.rowsImported, r.seconds)} |`,
      ),
      `| **import, both** | **${imported}** | ${pages(first.runs)} | ${first.seconds.toFixed(1)} s | **${rate(imported, first.seconds)}** |`,
      ...again.runs.map(
        (r) =>
          `| re-sync, ${r.provider}, nothing changed | ${r.rowsImported} imported | ${r.pagesFetched} | ${r.seconds.toFixed(1)} s | ${rate(expected[r.provider], r.seconds)} compared |`,
      ),
      `| **re-sync, both** | ${again.runs.reduce((n, r) => n + r.rowsImported, 0)} imported | ${pages(again.runs)} | ${again.seconds.toFixed(1)} s | ${rate(imported, again.seconds)} compared |`,
      `| baseline: fetch + parse only (same plugins, same fakes, in one process) | ${allFetched.rows} | ${allFetched.pages} | ${allFetched.seconds.toFixed(1)} s | ${rate(allFetched.rows, allFetched.seconds)} |`,
      `| ceiling: PostgreSQL COPY of the imported rows into tables like cost_buckets and usage_buckets | ${copy.rows} | | ${copy.seconds.toFixed(2)} s | ${rate(copy.rows, copy.seconds)} |`,
      '',
      `Import / fetch-only: ${(allFetched.rows / allFetched.seconds / (imported / first.seconds)).toFixed(1)}x slower; import / COPY: ` +
        `${(copy.rows / copy.seconds / (imported / first.seconds)).toFixed(0)}x slower; re-sync / import wall time: ${((again.seconds / first.seconds) * 100).toFixed(0)} %.`,
      `Checks: ${stored.costs + stored.usage} rows in the read models (${expected.openai + expected.anthropic} generated); billed total ${total} USD ` +
        `(expected ${billed.toFixed()}: ${new Money(total).eq(billed) ? 'exact' : 'MISMATCH'}); event relay after the import: ${relayed.published} of ${relayed.events} events published${relayed.caughtUp ? '' : ' (STUCK)'} (NATS max_payload ${(relayed.maxPayload / 2 ** 20).toFixed(0)} MiB).`,
      `Event store, imports streams: ${eventsAfterImport.events} events, ${(eventsAfterImport.bytes / 2 ** 20).toFixed(1)} MiB of JSONB ` +
        `(largest event ${(eventsAfterImport.largest / 2 ** 10).toFixed(0)} KiB); the re-sync appended ${eventsAfterResync.events - eventsAfterImport.events} events ` +
        `(${again.runs.length} runs started and completed) and rewrote ${rewritten.costs + rewritten.usage} read-model rows.`,
      `One load of a connection's whole imports stream, as the runner does once per run after its range and start (best of 3): ` +
        folds
          .map(
            (f) =>
              `${f.provider} ${f.events} events, ${f.buckets} buckets: read ${f.readMs.toFixed(0)} ms + evolve ${f.evolveMs.toFixed(0)} ms; ` +
              `a run loads it ${f.loads} times (range, start, execution; each page decides on the previous one's result): about ${((f.loads * (f.readMs + f.evolveMs)) / 1000).toFixed(1)} s of the ${f.resyncSeconds.toFixed(1)} s re-sync`,
          )
          .join('; ') +
        '.',
      '',
      `CPU spent per imported row in the import (${first.seconds.toFixed(1)} s wall, ${cpus().length} cores):`,
      '',
      ...cpuTable(first.cpu, imported, 'row', first.seconds),
      '',
      `CPU spent in the re-sync (${again.seconds.toFixed(1)} s wall), per row compared:`,
      '',
      ...cpuTable(again.cpu, imported, 'row', again.seconds),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await store.close();
    await sql.end();
    await platform.stop();
    await db.drop();
    await Promise.all([openai.stop(), anthropic.stop()]);
    await globalTeardown();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:sync failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
