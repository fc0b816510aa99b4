// POST /v1/usage against the goals of issue 15: 20,000 events/s end to end (202 -> queryable), the 202's p99 under
// 50 ms at half that rate, and freshness (202 -> queryable) p95 under 2 s. Three scenarios, one after the other:
//   paced      half the goal, open loop, batches of 100 (the SDK's default): ack latency, and freshness of one
//              batch in INGEST_FRESHNESS_EVERY, polled through the usage records until its last event is listed;
//   sustained  the goal plus 10 % (INGEST_EVENTS_PER_SECOND), open loop, batches of INGEST_BATCH;
//   drain      after it, the cost breakdown by the run's tag polled until the sustained events stop arriving:
//              end to end = events queryable / seconds from the sustained start to the last of them queryable.
// API_KEY needs the ingest and read scopes. See docs/operations.md, "Load-testing your install with k6".
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Gauge, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { apiKeyHeaders, expectStatus, json, keyIdentity, newRunId } from './lib/api.ts';
import { duration, positiveNumber, seconds } from './lib/config.ts';
import { ROUTES, request } from './lib/routes.ts';
import { usageEvents } from './lib/usage-events.ts';

/** The goals (docs/benchmarks.md, issue 15). */
const GOAL_EVENTS_PER_SECOND = 20_000;
const GOAL_ACK_P99_MS = 50;
const GOAL_FRESHNESS_P95_MS = 2_000;

const PACED_BATCH = 100;
// Offered above the goal: the end-to-end figure counts until the last event is queryable, so an install offered
// exactly the goal would end a little under it even when it keeps up.
const sustainedRate = positiveNumber('INGEST_EVENTS_PER_SECOND', GOAL_EVENTS_PER_SECOND * 1.1);
const batch = positiveNumber('INGEST_BATCH', 500);
if (batch > 1000 || !Number.isInteger(batch))
  throw new Error('INGEST_BATCH must be a whole number from 1 to 1000 (the route takes at most 1,000 events)');
const sustainedDuration = duration('INGEST_DURATION', '60s');
const pacedRate = positiveNumber('INGEST_PACED_EVENTS_PER_SECOND', GOAL_EVENTS_PER_SECOND / 2);
const pacedDuration = duration('INGEST_PACED_DURATION', '60s');
const probeEvery = Math.round(positiveNumber('INGEST_FRESHNESS_EVERY', 50));
const freshnessTimeoutSeconds = positiveNumber('INGEST_FRESHNESS_TIMEOUT_SECONDS', 30);
const drainTimeout = duration('INGEST_DRAIN_TIMEOUT', '5m');
const drainQuietSeconds = positiveNumber('INGEST_DRAIN_QUIET_SECONDS', 5);
const vus = Math.round(positiveNumber('INGEST_MAX_VUS', 400));

/** Between the paced probes' last polls and the sustained load, so the two do not overlap. */
const sustainedStart = seconds(pacedDuration) + freshnessTimeoutSeconds;

const accepted = new Counter('ingest_events_accepted');
const freshness = new Trend('ingest_freshness_ms', true);
const freshnessTimeouts = new Counter('ingest_freshness_timeouts');
const endToEnd = new Gauge('ingest_end_to_end_events_per_s');
const visibleEvents = new Gauge('ingest_sustained_events_queryable');

/** Iterations per minute, so that any events/s divides into whole batches. */
const perMinute = (eventsPerSecond: number, size: number) => Math.max(1, Math.round((eventsPerSecond * 60) / size));

export const options: Options = {
  scenarios: {
    paced: {
      executor: 'constant-arrival-rate',
      exec: 'paced',
      rate: perMinute(pacedRate, PACED_BATCH),
      timeUnit: '1m',
      duration: pacedDuration,
      preAllocatedVUs: Math.min(50, vus),
      maxVUs: vus,
      gracefulStop: `${freshnessTimeoutSeconds}s`,
    },
    sustained: {
      executor: 'constant-arrival-rate',
      exec: 'sustained',
      startTime: `${sustainedStart}s`,
      rate: perMinute(sustainedRate, batch),
      timeUnit: '1m',
      duration: sustainedDuration,
      preAllocatedVUs: Math.min(100, vus),
      maxVUs: vus,
      gracefulStop: '30s',
    },
    drain: {
      executor: 'shared-iterations',
      exec: 'drain',
      startTime: `${sustainedStart + seconds(sustainedDuration)}s`,
      vus: 1,
      iterations: 1,
      maxDuration: drainTimeout,
    },
  },
  thresholds: {
    // The 202 of POST /v1/usage at half the goal (the probes' polls are tagged apart).
    'http_req_duration{scenario:paced,endpoint:ingest}': [`p(99)<${GOAL_ACK_P99_MS}`],
    ingest_freshness_ms: [`p(95)<${GOAL_FRESHNESS_P95_MS}`],
    ingest_end_to_end_events_per_s: [`value>=${GOAL_EVENTS_PER_SECOND}`],
    // An iteration k6 could not start on time is a request the latency figures never saw.
    'dropped_iterations{scenario:paced}': ['count==0'],
    // Every batch 202 with every event accepted; every poll answered.
    checks: ['rate==1'],
  },
};

interface Setup {
  runId: string;
  projectId: string;
}

export function setup(): Setup {
  const { projectId } = keyIdentity(['ingest', 'read']);
  return { runId: newRunId(), projectId };
}

function post(events: unknown[], phase: string): boolean {
  const res = request(ROUTES.ingestUsage, {
    body: JSON.stringify({ events }),
    params: { headers: { ...apiKeyHeaders(), 'Content-Type': 'application/json' }, tags: { endpoint: 'ingest' } },
  });
  if (!expectStatus(res, 202, 'ingest')) return false;
  const answer = json<{ accepted: number; rejected: unknown[] }>(res, 'POST /v1/usage');
  accepted.add(answer.accepted, { phase });
  return check(answer, { 'ingest: every event accepted': (a) => a.accepted === events.length && a.rejected.length === 0 });
}

/** Half the goal in batches of 100; one batch in INGEST_FRESHNESS_EVERY is followed until it is queryable. */
export function paced(data: Setup): void {
  const iteration = exec.scenario.iterationInTest;
  const timestamp = new Date().toISOString();
  const events = usageEvents(`${data.runId}-p${iteration}`, PACED_BATCH, timestamp, `${data.runId}-paced`);
  const probe = iteration % probeEvery === 0;
  const last = events[events.length - 1];
  // The probe's end user is the run's own: the poll below filters on it and on the batch's instant, so it reads
  // one record, whatever else the project holds.
  if (probe) last.userId = `k6-probe-${data.runId}`;
  if (!post(events, 'paced') || !probe) return;

  const acknowledged = Date.now();
  const deadline = acknowledged + freshnessTimeoutSeconds * 1000;
  const range = { from: timestamp, to: new Date(Date.parse(timestamp) + 1).toISOString() };
  for (;;) {
    const res = request(ROUTES.usageRecords, {
      path: { projectId: data.projectId },
      query: { ...range, userId: last.userId, limit: 10 },
      params: { headers: apiKeyHeaders(), tags: { endpoint: 'freshness-poll' } },
    });
    if (!expectStatus(res, 200, 'usage records')) return;
    const page = json<{ data: { id: string }[] }>(res, 'GET /v1/projects/{projectId}/usage');
    if (page.data.some((record) => record.id === last.id)) {
      freshness.add(Date.now() - acknowledged);
      return;
    }
    if (Date.now() >= deadline) {
      // Counted at the timeout, so that a batch that never arrives weighs on the percentile instead of vanishing.
      freshness.add(Date.now() - acknowledged);
      freshnessTimeouts.add(1);
      return;
    }
    sleep(0.05);
  }
}

/** `k6 run --vus N --duration D` (no scenarios) runs the paced iteration. */
export default paced;

/** The goal plus 10 % in batches of INGEST_BATCH. */
export function sustained(data: Setup): void {
  const iteration = exec.scenario.iterationInTest;
  post(usageEvents(`${data.runId}-s${iteration}`, batch, new Date().toISOString(), `${data.runId}-sustained`), 'sustained');
}

/** The sustained events queryable so far: the cost breakdown by the run's tag, read from the same transaction. */
function queryable(data: Setup, since: number): number | undefined {
  const res = request(ROUTES.projectCostBreakdown, {
    path: { projectId: data.projectId },
    query: { groupBy: 'tag:k6run', from: new Date(since - 60_000).toISOString(), limit: 1000 },
    params: { headers: apiKeyHeaders(), tags: { endpoint: 'drain-poll' } },
  });
  if (!expectStatus(res, 200, 'cost breakdown')) return undefined;
  const rows = json<{ rows: { key: string | null; requests: number }[] }>(res, 'GET /v1/projects/{projectId}/costs/breakdown').rows;
  return rows.find((row) => row.key === `${data.runId}-sustained`)?.requests ?? 0;
}

/**
 * After the sustained load: polls until the count has not moved for INGEST_DRAIN_QUIET_SECONDS, and divides it by
 * the time from the sustained start to the poll that first saw it.
 */
export function drain(data: Setup): void {
  const started = exec.scenario.startTime - seconds(sustainedDuration) * 1000;
  const deadline = Date.now() + seconds(drainTimeout) * 1000 - 5_000;
  let count = 0;
  let grewAt = Date.now();
  for (;;) {
    const seen = queryable(data, started);
    if (seen === undefined) return;
    // Taken after the answer, so that the figure never credits the poll's own time.
    const now = Date.now();
    if (seen > count) {
      count = seen;
      grewAt = now;
    }
    if ((count > 0 && now - grewAt >= drainQuietSeconds * 1000) || now >= deadline) break;
    sleep(0.25);
  }
  visibleEvents.add(count);
  endToEnd.add(count / Math.max(0.001, (grewAt - started) / 1000));
}
