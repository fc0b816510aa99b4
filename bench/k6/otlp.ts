// OpenTelemetry intake, POST /v1/otlp/v1/traces, as an application's batch span processor sends it: OTLP/JSON,
// gzip, OTLP_RUNS_PER_REQUEST agent runs of 8 spans each (an invoke_agent root, 3 GenAI chat calls with token
// counts, 2 tool calls, a database and an HTTP span, as `npm run bench:otlp` sends). The intake is the ingest path
// (the 200 means JetStream holds the spans and their usage), so the ingest goals of issue 15 apply: the 200's p99
// under 50 ms and freshness p95 under 2 s, at half the rate the install sustains (OTLP_REQUESTS_PER_SECOND: there is
// no spans/s goal of its own). Freshness: one request in OTLP_FRESHNESS_EVERY is followed, its last trace polled
// through GET /v1/projects/{projectId}/traces/{traceId} until it holds its 8 spans. API_KEY: ingest and read scopes.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { apiKeyHeaders, expectStatus, json, keyIdentity } from './lib/api.ts';
import { duration, positiveNumber } from './lib/config.ts';
import { ROUTES, request } from './lib/routes.ts';

const GOAL_ACK_P99_MS = 50;
const GOAL_FRESHNESS_P95_MS = 2_000;
const SPANS_PER_RUN = 8;

const requestsPerSecond = Math.round(positiveNumber('OTLP_REQUESTS_PER_SECOND', 10));
const runsPerRequest = Math.round(positiveNumber('OTLP_RUNS_PER_REQUEST', 10));
if (runsPerRequest * SPANS_PER_RUN > 10_000) throw new Error('OTLP_RUNS_PER_REQUEST: at most 1,250 runs (10,000 spans) per request');
const otlpDuration = duration('OTLP_DURATION', '60s');
const probeEvery = Math.round(positiveNumber('OTLP_FRESHNESS_EVERY', 10));
const freshnessTimeoutSeconds = positiveNumber('OTLP_FRESHNESS_TIMEOUT_SECONDS', 30);

const spansAccepted = new Counter('otlp_spans_accepted');
const freshness = new Trend('otlp_freshness_ms', true);
const freshnessTimeouts = new Counter('otlp_freshness_timeouts');

export const options: Options = {
  scenarios: {
    paced: {
      executor: 'constant-arrival-rate',
      exec: 'default',
      rate: requestsPerSecond,
      timeUnit: '1s',
      duration: otlpDuration,
      preAllocatedVUs: 20,
      maxVUs: 400,
      gracefulStop: `${freshnessTimeoutSeconds}s`,
    },
  },
  thresholds: {
    'http_req_duration{endpoint:otlp}': [`p(99)<${GOAL_ACK_P99_MS}`],
    otlp_freshness_ms: [`p(95)<${GOAL_FRESHNESS_P95_MS}`],
    'dropped_iterations{scenario:paced}': ['count==0'],
    checks: ['rate==1'],
  },
};

interface Setup {
  /** 8 random hex characters, the start of every trace id of the run (ids from earlier runs never repeat). */
  runHex: string;
  projectId: string;
}

export function setup(): Setup {
  const { projectId } = keyIdentity(['ingest', 'read']);
  const runHex = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');
  return { runHex, projectId };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);

type Attribute = { key: string; value: { stringValue: string } | { intValue: number } };
const attr = (key: string, value: string | number): Attribute => ({
  key,
  value: typeof value === 'number' ? { intValue: value } : { stringValue: value },
});

/** Nanoseconds since the epoch as OTLP/JSON's string: milliseconds alone fit a double, nanoseconds do not. */
const nanos = (ms: number) => `${ms}000000`;

/** One agent run ending now: its trace id, and its spans in OTLP/JSON. */
function agentRun(traceId: string, n: number, endMs: number) {
  const startMs = endMs - 10_000;
  const rootId = hex(1, 16);
  let next = 1;
  const span = (name: string, offsetMs: number, durationMs: number, attributes: Attribute[], parent?: string) => ({
    traceId,
    spanId: parent ? hex(++next, 16) : rootId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind: parent ? 3 : 1,
    startTimeUnixNano: nanos(startMs + offsetMs),
    endTimeUnixNano: nanos(startMs + offsetMs + durationMs),
    attributes,
    status: { code: 1 },
  });
  const model = (i: number) =>
    span(
      'chat gpt-4o-mini',
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
  return [
    span('answer ticket', 0, 9_000, [attr('gen_ai.operation.name', 'invoke_agent'), attr('session.id', `s-${n % 500}`)]),
    model(0),
    model(1),
    model(2),
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
}

export default function paced(data: Setup): void {
  const iteration = exec.scenario.iterationInTest;
  const endMs = Date.now();
  const traceIds: string[] = [];
  const spans: ReturnType<typeof agentRun> = [];
  for (let run = 0; run < runsPerRequest; run++) {
    // Run, iteration and run in the request: unique in the project, never all zeros.
    const traceId = `${data.runHex}${hex(iteration, 12)}${hex(run, 4)}${hex(1, 8)}`;
    traceIds.push(traceId);
    spans.push(...agentRun(traceId, iteration * runsPerRequest + run, endMs));
  }
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'k6-agent')] },
        scopeSpans: [{ scope: { name: 'k6' }, spans }],
      },
    ],
  };
  const res = request(ROUTES.otlpTraces, {
    body: JSON.stringify(body),
    params: { headers: { ...apiKeyHeaders(), 'Content-Type': 'application/json' }, compression: 'gzip', tags: { endpoint: 'otlp' } },
  });
  if (!expectStatus(res, 200, 'otlp')) return;
  const answer = json<{ partialSuccess?: { rejectedSpans: number; errorMessage: string } }>(res, 'POST /v1/otlp/v1/traces');
  if (!check(answer, { 'otlp: every span accepted': (a) => !a.partialSuccess || Number(a.partialSuccess.rejectedSpans) === 0 })) return;
  spansAccepted.add(spans.length);
  if (iteration % probeEvery !== 0) return;

  const acknowledged = Date.now();
  const deadline = acknowledged + freshnessTimeoutSeconds * 1000;
  const traceId = traceIds[traceIds.length - 1];
  for (;;) {
    const poll = request(ROUTES.trace, {
      path: { projectId: data.projectId, traceId },
      params: { headers: apiKeyHeaders(), tags: { endpoint: 'freshness-poll' }, responseCallback: http.expectedStatuses(200, 404) },
    });
    // 404 until the trace's first spans are in the read model.
    if (!check(poll, { 'trace: 200 or 404': (r) => r.status === 200 || r.status === 404 })) return;
    if (
      poll.status === 200 &&
      json<{ spanCount: number }>(poll, 'GET /v1/projects/{projectId}/traces/{traceId}').spanCount >= SPANS_PER_RUN
    ) {
      freshness.add(Date.now() - acknowledged);
      return;
    }
    if (Date.now() >= deadline) {
      freshness.add(Date.now() - acknowledged);
      freshnessTimeouts.add(1);
      return;
    }
    sleep(0.05);
  }
}
