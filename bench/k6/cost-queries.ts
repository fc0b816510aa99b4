// The cost queries the dashboard and the API's users make, against the goals of issue 15: summaries and
// breakdowns p95 under 100 ms (organization and project summary; breakdowns by model, day, user and tag), a
// filtered usage page p95 under 200 ms, and the export at 100,000 rows/s or more. Each query runs in its own
// scenario at QUERY_RATE per second for QUERY_DURATION, all at once (the dashboard's overview asks seven at a time);
// the export, one at a time, after them. Over the project's last QUERY_RANGE_DAYS (30) days: run it on a project
// holding data (ingest.ts leaves some; the export needs EXPORT_MIN_ROWS for its rate to mean anything).
// API_KEY needs the read scope; ACCESS_TOKEN (or EMAIL and PASSWORD) of a member for the organization's queries.
import { check } from 'k6';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
import type { Options, Scenario } from 'k6/options';
import { apiKeyHeaders, expectStatus, keyIdentity, userToken } from './lib/api.ts';
import { duration, optional, positiveNumber, seconds } from './lib/config.ts';
import { ROUTES, request, type Route } from './lib/routes.ts';

/** The goals (issue 15). */
const GOAL_QUERY_P95_MS = 100;
const GOAL_PAGE_P95_MS = 200;
const GOAL_EXPORT_ROWS_PER_SECOND = 100_000;

const rate = Math.round(positiveNumber('QUERY_RATE', 10));
const queryDuration = duration('QUERY_DURATION', '60s');
const rangeDays = positiveNumber('QUERY_RANGE_DAYS', 30);
const tag = optional('QUERY_TAG') ?? 'feature';
const exportIterations = Math.round(positiveNumber('EXPORT_ITERATIONS', 3));
const exportMinRows = Math.round(positiveNumber('EXPORT_MIN_ROWS', 100_000));

interface Query {
  route: Route;
  scope: 'project' | 'organization';
  query: Record<string, string | number>;
  goalMs: number;
}

/** One scenario each; the name is the `query` tag of its requests and of its threshold. */
const QUERIES: Record<string, Query> = {
  organization_summary: { route: ROUTES.organizationCostSummary, scope: 'organization', query: {}, goalMs: GOAL_QUERY_P95_MS },
  organization_by_model: {
    route: ROUTES.organizationCostBreakdown,
    scope: 'organization',
    query: { groupBy: 'model' },
    goalMs: GOAL_QUERY_P95_MS,
  },
  project_summary: { route: ROUTES.projectCostSummary, scope: 'project', query: {}, goalMs: GOAL_QUERY_P95_MS },
  project_by_model: { route: ROUTES.projectCostBreakdown, scope: 'project', query: { groupBy: 'model' }, goalMs: GOAL_QUERY_P95_MS },
  // The overview's stacked chart: days split by model.
  project_by_day: {
    route: ROUTES.projectCostBreakdown,
    scope: 'project',
    query: { groupBy: 'day', splitBy: 'model', limit: 1000 },
    goalMs: GOAL_QUERY_P95_MS,
  },
  project_by_user: { route: ROUTES.projectCostBreakdown, scope: 'project', query: { groupBy: 'user' }, goalMs: GOAL_QUERY_P95_MS },
  project_by_tag: { route: ROUTES.projectCostBreakdown, scope: 'project', query: { groupBy: `tag:${tag}` }, goalMs: GOAL_QUERY_P95_MS },
  // A filtered page of records, as the usage page and the API's clients read them.
  usage_page_errors: { route: ROUTES.usageRecords, scope: 'project', query: { status: 'error', limit: 100 }, goalMs: GOAL_PAGE_P95_MS },
};

const exportRate = new Trend('export_rows_per_s');
const exportRows = new Trend('export_rows');

const queryScenarios: Record<string, Scenario> = {};
const thresholds: Record<string, string[]> = {
  // The export's rate per export: the median, over EXPORT_ITERATIONS.
  export_rows_per_s: [`med>=${GOAL_EXPORT_ROWS_PER_SECOND}`],
  // Every query answered 200; every export long enough to measure.
  checks: ['rate==1'],
};
for (const [name, query] of Object.entries(QUERIES)) {
  queryScenarios[name] = {
    executor: 'constant-arrival-rate',
    exec: 'query',
    rate,
    timeUnit: '1s',
    duration: queryDuration,
    preAllocatedVUs: 5,
    maxVUs: 100,
  };
  thresholds[`http_req_duration{query:${name}}`] = [`p(95)<${query.goalMs}`];
  thresholds[`dropped_iterations{scenario:${name}}`] = ['count==0'];
}

export const options: Options = {
  scenarios: {
    ...queryScenarios,
    export: {
      executor: 'per-vu-iterations',
      exec: 'exportRecords',
      startTime: `${seconds(queryDuration) + 5}s`,
      vus: 1,
      iterations: exportIterations,
      maxDuration: '30m',
    },
  },
  thresholds,
};

interface Setup {
  projectId: string;
  organizationId: string;
  token: string;
  from: string;
}

export function setup(): Setup {
  const { projectId, organizationId } = keyIdentity(['read']);
  return { projectId, organizationId, token: userToken(), from: new Date(Date.now() - rangeDays * 86_400_000).toISOString() };
}

/** One query of the scenario's kind: the scenario is named after it. */
export function query(data: Setup): void {
  run(exec.scenario.name, data);
}

/** `k6 run --vus N --duration D` (no scenarios): every query once per iteration. */
export default function (data: Setup): void {
  for (const name of Object.keys(QUERIES)) run(name, data);
}

function run(name: string, data: Setup): void {
  const spec = QUERIES[name];
  if (!spec) throw new Error(`no query named ${name}`);
  const res = request(spec.route, {
    path: spec.scope === 'project' ? { projectId: data.projectId } : { orgId: data.organizationId },
    query: { from: data.from, ...spec.query },
    params: {
      headers: spec.scope === 'project' ? apiKeyHeaders() : { Authorization: `Bearer ${data.token}` },
      tags: { query: name },
    },
  });
  expectStatus(res, 200, name);
}

/** The range's records as JSON Lines: rows per second of the whole transfer, from the request to the last byte. */
export function exportRecords(data: Setup): void {
  const res = request(ROUTES.usageExport, {
    path: { projectId: data.projectId },
    query: { from: data.from, format: 'jsonl' },
    params: { headers: apiKeyHeaders(), tags: { query: 'export' }, timeout: '30m' },
  });
  if (!expectStatus(res, 200, 'export')) return;
  const body = typeof res.body === 'string' ? res.body : '';
  let rows = 0;
  for (let at = body.indexOf('\n'); at !== -1; at = body.indexOf('\n', at + 1)) rows++;
  exportRows.add(rows);
  // A short export is all latency: its rate says nothing about the goal, so it fails the run instead of passing it.
  if (!check(rows, { [`export: at least ${exportMinRows} rows (EXPORT_MIN_ROWS)`]: (n) => n >= exportMinRows })) return;
  exportRate.add(rows / (res.timings.duration / 1000));
}
