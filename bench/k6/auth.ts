// What authenticating an API key adds at the edge, against the goal of docs/benchmarks.md ("Authentication at the
// edge"): at most 1 ms at p50. As `npm run bench:auth` does, it compares `GET /v1/me` with the key (checksum, the
// key from the gateway's cache, the rate limit's Redis round trip; answered by the gateway) with `GET /health` (the
// same gateway, no credentials): each iteration sends both back to back and records the difference, so the network
// between k6 and the install, which both pay, cancels out. With 1 VU (latency), then 10 (concurrency).
// API_KEY: any scope. GET /v1/me counts against the management rate limit (1,000 per hour by default): raise the
// organization's limit first (docs/operations.md, "Set an organization's rate limits"), or the checks fail on 429.
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { apiKeyHeaders, expectStatus, keyIdentity } from './lib/api.ts';
import { duration, seconds } from './lib/config.ts';
import { ROUTES, request } from './lib/routes.ts';

const GOAL_OVERHEAD_P50_MS = 1;

const phase = duration('AUTH_DURATION', '30s');
const phaseSeconds = seconds(phase);

const overhead = new Trend('auth_api_key_overhead_ms', true);

export const options: Options = {
  scenarios: {
    one_vu: { executor: 'constant-vus', vus: 1, duration: phase },
    ten_vus: { executor: 'constant-vus', vus: 10, duration: phase, startTime: `${phaseSeconds + 2}s` },
  },
  thresholds: {
    'auth_api_key_overhead_ms{scenario:one_vu}': [`med<${GOAL_OVERHEAD_P50_MS}`],
    'auth_api_key_overhead_ms{scenario:ten_vus}': [`med<${GOAL_OVERHEAD_P50_MS}`],
    checks: ['rate==1'],
  },
};

export function setup(): void {
  keyIdentity([]);
}

export default function pair(): void {
  const baseline = request(ROUTES.health, { params: { tags: { endpoint: 'health' } } });
  const authenticated = request(ROUTES.me, { params: { headers: apiKeyHeaders(), tags: { endpoint: 'me-api-key' } } });
  const ok = expectStatus(baseline, 200, 'health') && expectStatus(authenticated, 200, 'me with the API key');
  if (ok) overhead.add(authenticated.timings.duration - baseline.timings.duration);
}
