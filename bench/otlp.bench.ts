// `npm run bench:otlp`: how fast OpenTelemetry spans go from an OTLP/HTTP export to a queryable trace, on this
// machine, against the usage path in the same run. Boots the gateway, auth and ingestion services as separate
// processes on a fresh database, then:
//   1. baseline: the model calls of BENCH_OTLP_TRACES agent runs sent as usage events (POST /v1/usage, JSON, batches
//      of 1,000 from 4 clients) until all are counted: events/s end to end;
//   2. sustained: the same agent runs as OTLP protobuf exports (8 spans each: an agent, 3 GenAI model calls, 2 tool
//      calls, a retrieval and an HTTP call; 100 runs per request, gzip, 4 clients) until every span is in the trace
//      read model and every model call is priced: spans/s end to end, and the CPU each process spent per span;
//   3. paced: requests of 10 runs at half the sustained rate: ack latency p50/p99 and freshness (200 -> every span
//      of the request's traces queryable) p50/p95.
// It stops by itself; every phase is bounded.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { createSession, type TestSession } from '@llmlab/testing';
import { encodeTraceRequest } from '../services/gateway/src/otlp/otlp-proto';
import { cpuSeconds, cpuSpent, cpuTable, pacedLoad, sleep, startIngestBench, versions } from './measure';

const runs = Number(process.env.BENCH_OTLP_TRACES ?? 6_000);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const RUNS_PER_REQUEST = 100;
/** The paced phase's requests: ten runs (80 spans), about what an SDK's batch span processor sends every few seconds. */
const PACED_RUNS = 10;
const CLIENTS = 4;
const SPANS_PER_RUN = 8;
const CALLS_PER_RUN = 3;
const TIMEOUT_MS = 600_000;

type Attribute = { key: string; value: Record<string, unknown> };
const attr = (key: string, value: string | number): Attribute => ({
  key,
  value: typeof value === 'number' ? { intValue: value } : { stringValue: value },
});

/** One agent run as an instrumented application exports it, ending now. */
function agentRun(n: number): { traceId: Buffer; spans: Record<string, unknown>[]; calls: Record<string, unknown>[] } {
  const traceId = randomBytes(16);
  const end = BigInt(Date.now()) * 1_000_000n;
  const rootId = randomBytes(8);
  const span = (name: string, offsetMs: number, durationMs: number, attributes: Attribute[], parent?: Buffer) => ({
    traceId,
    spanId: randomBytes(8),
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind: parent ? 3 : 1,
    startTimeUnixNano: String(end - 10_000_000_000n + BigInt(offsetMs) * 1_000_000n),
    endTimeUnixNano: String(end - 10_000_000_000n + BigInt(offsetMs + durationMs) * 1_000_000n),
    attributes,
    status: { code: 1 },
  });
  const root = {
    ...span('answer ticket', 0, 9_000, [attr('gen_ai.operation.name', 'invoke_agent'), attr('session.id', `s-${n % 500}`)]),
    spanId: rootId,
  };
  const model = (i: number) =>
    span(
      `chat gpt-4o-mini`,
      100 + i * 2_500,
      1_200,
      [
        attr('gen_ai.operation.name', 'chat'),
        attr('gen_ai.provider.name', 'openai'),
        attr('gen_ai.request.model', 'gpt-4o-mini'),
        attr('gen_ai.usage.input_tokens', 1_500 + i * 700 + (n % 300)),
        attr('gen_ai.usage.output_tokens', 120 + (n % 80)),
        attr('gen_ai.usage.cache_read.input_tokens', 1_024),
        attr('user.id', `user-${n % 200}`),
      ],
      rootId,
    );
  const calls = [model(0), model(1), model(2)];
  const spans = [
    root,
    ...calls,
    span(
      'execute_tool search',
      1_400,
      300,
      [
        attr('gen_ai.operation.name', 'execute_tool'),
        attr('gen_ai.tool.name', 'search'),
        attr('gen_ai.tool.call.arguments', `{"q":"${n}"}`),
      ],
      rootId,
    ),
    span(
      'execute_tool lookup_order',
      3_900,
      200,
      [attr('gen_ai.operation.name', 'execute_tool'), attr('gen_ai.tool.name', 'lookup_order')],
      rootId,
    ),
    span('SELECT orders', 4_000, 50, [attr('db.system.name', 'postgresql')], rootId),
    span('GET /v1/orders', 3_950, 120, [attr('http.request.method', 'GET')], rootId),
  ];
  return { traceId, spans, calls };
}

function exportBody(spans: Record<string, unknown>[]): Buffer {
  const message = { resourceSpans: [{ resource: { attributes: [attr('service.name', 'bench-agent')] }, scopeSpans: [{ spans }] }] };
  return gzipSync(encodeTraceRequest(message));
}

async function postOtlp(s: TestSession, body: Buffer): Promise<number> {
  const res = await fetch(`${s.keyAgent.baseUrl}/v1/otlp/v1/traces`, {
    method: 'POST',
    headers: { ...s.keyAgent.headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

async function count(sql: Client, query: string, projectId: string): Promise<number> {
  return Number((await sql.query<{ n: string }>(query, [projectId])).rows[0].n);
}
const SPANS = 'SELECT count(*) AS n FROM ingestion.trace_spans WHERE project_id = $1';
const PRICED = 'SELECT coalesce(sum(requests), 0) AS n FROM ingestion.usage_rollups_hourly WHERE project_id = $1';

/** The baseline: the runs' model calls as usage events, until all are counted. */
async function usageBaseline(s: TestSession, sql: Client): Promise<number> {
  const events = Array.from({ length: runs * CALLS_PER_RUN }, (_, i) => ({
    id: `bench-${i}`,
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 1_500 + (i % 2_000), outputTokens: 120 + (i % 80), cachedInputTokens: 1_024 },
    latencyMs: 1_200,
    status: 'success',
    userId: `user-${i % 200}`,
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
  }));
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (;;) {
        const from = next;
        next += 1_000;
        if (from >= events.length) return;
        const res = await s.keyAgent.post('/v1/usage', { events: events.slice(from, from + 1_000) });
        if (res.status !== 202) throw new Error(`usage answered ${res.status}`);
      }
    }),
  );
  while ((await count(sql, PRICED, s.projectId)) < events.length) {
    if (Date.now() - started > TIMEOUT_MS) throw new Error('usage events not all counted in time');
    await sleep(100);
  }
  return (events.length * 1000) / (Date.now() - started);
}

async function sustained(s: TestSession, sql: Client, cpu: () => Map<string, number>) {
  const bodies: Buffer[] = [];
  for (let i = 0; i < runs; i += RUNS_PER_REQUEST)
    bodies.push(exportBody(Array.from({ length: Math.min(RUNS_PER_REQUEST, runs - i) }, (_, k) => agentRun(i + k).spans).flat()));
  const cpuBefore = cpu();
  const started = Date.now();
  let next = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const status = await postOtlp(s, body);
        if (status !== 200) refused++;
      }
    }),
  );
  const accepted = Date.now();
  const spans = runs * SPANS_PER_RUN;
  while ((await count(sql, SPANS, s.projectId)) < spans || (await count(sql, PRICED, s.projectId)) < runs * CALLS_PER_RUN) {
    if (Date.now() - started > TIMEOUT_MS) throw new Error('spans not all queryable in time');
    await sleep(100);
  }
  const done = Date.now();
  return {
    spans,
    refused,
    acceptRate: (spans * 1000) / (accepted - started),
    endToEndRate: (spans * 1000) / (done - started),
    wallSeconds: (done - started) / 1000,
    cpu: cpuSpent(cpuBefore, cpu()),
  };
}

async function paced(s: TestSession, sql: Client, spansPerSecond: number) {
  const intervalMs = (PACED_RUNS * SPANS_PER_RUN * 1000) / spansPerSecond;
  return pacedLoad({
    requests: Math.max(1, Math.floor((latencySeconds * 1000) / intervalMs)),
    intervalMs,
    async send(i) {
      const batch = Array.from({ length: PACED_RUNS }, (_, k) => agentRun(runs + i * PACED_RUNS + k));
      const status = await postOtlp(s, exportBody(batch.flatMap((r) => r.spans)));
      return status === 200 ? batch[PACED_RUNS - 1].traceId.toString('hex') : undefined;
    },
    async visible(ids) {
      const { rows } = await sql.query<{ trace_id: string }>(
        // The request's last run stands for it: its spans are published in the request's last part.
        'SELECT trace_id FROM ingestion.traces WHERE project_id = $1 AND trace_id = ANY($2) AND span_count >= $3',
        [s.projectId, ids, SPANS_PER_RUN],
      );
      return rows.map((r) => r.trace_id);
    },
  });
}

async function main() {
  const bench = await startIngestBench();
  const { db, platform, sql } = bench;
  try {
    const load = loadavg()[0];
    const baselineSession = await createSession(platform.gatewayUrl);
    process.stderr.write(`baseline: ${runs * CALLS_PER_RUN} usage events\n`);
    const baseline = await usageBaseline(baselineSession, sql);
    const s = await createSession(platform.gatewayUrl);
    process.stderr.write(`sustained: ${runs} agent runs, ${runs * SPANS_PER_RUN} spans\n`);
    const high = await sustained(s, sql, () => cpuSeconds(platform.natsPrefix, db.name));
    process.stderr.write(`sustained ${Math.round(high.endToEndRate)} spans/s; paced phase at half that rate\n`);
    const half = await paced(s, sql, high.endToEndRate / 2);
    const v = await versions(sql);
    const ms = (value: number) => value.toFixed(1);
    const lines = [
      `OTLP benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${v.pg}, NATS ${v.nats}, Redis ${v.redis}; load average before the run ${load.toFixed(2)}`,
      '',
      '| measure | value |',
      '|---|---|',
      `| baseline: the runs' ${runs * CALLS_PER_RUN} model calls as usage events (POST /v1/usage), until counted | **${Math.round(baseline)} events/s** |`,
      `| OTLP protobuf+gzip, ${CLIENTS} clients x ${RUNS_PER_REQUEST} runs (${RUNS_PER_REQUEST * SPANS_PER_RUN} spans) per request, until every span is in the trace read model and every call priced | **${Math.round(high.endToEndRate)} spans/s** (${Math.round((high.endToEndRate * CALLS_PER_RUN) / SPANS_PER_RUN)} model calls/s; ${high.spans} spans in ${high.wallSeconds.toFixed(1)} s; ${high.refused} requests refused) |`,
      `| accepted by the gateway (200) in that phase | ${Math.round(high.acceptRate)} spans/s |`,
      `| model calls per second, OTLP / usage events | ${(((high.endToEndRate * CALLS_PER_RUN) / SPANS_PER_RUN / baseline) * 100).toFixed(0)} % |`,
      `| ack latency at half that rate (${PACED_RUNS} runs, ${PACED_RUNS * SPANS_PER_RUN} spans, per request; ${half.requests} requests) | p50 ${ms(half.p50)} ms, p99 ${ms(half.p99)} ms (${half.refused} refused) |`,
      `| freshness at that rate (200 -> every span of the request's traces queryable) | p50 ${ms(half.freshnessP50)} ms, p95 ${ms(half.freshnessP95)} ms (${half.lost} not seen within 60 s) |`,
      '',
      ...cpuTable(high.cpu, high.spans, 'span', high.wallSeconds),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await bench.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:otlp failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
