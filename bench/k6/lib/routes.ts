// Every route the k6 scripts call, spelled as docs/openapi.json spells it: the scripts reach the API only through
// `request()` below, and the unit test checks each route they call against the OpenAPI document.
import http, { type RefinedParams, type RefinedResponse, type RequestBody, type ResponseType } from 'k6/http';
import { config } from './config.ts';

export interface Route {
  method: 'GET' | 'POST';
  path: string;
}

export const ROUTES = {
  health: { method: 'GET', path: '/health' },
  me: { method: 'GET', path: '/v1/me' },
  login: { method: 'POST', path: '/v1/auth/login' },
  ingestUsage: { method: 'POST', path: '/v1/usage' },
  usageRecords: { method: 'GET', path: '/v1/projects/{projectId}/usage' },
  usageExport: { method: 'GET', path: '/v1/projects/{projectId}/usage/export' },
  projectCostSummary: { method: 'GET', path: '/v1/projects/{projectId}/costs/summary' },
  projectCostBreakdown: { method: 'GET', path: '/v1/projects/{projectId}/costs/breakdown' },
  organizationCostSummary: { method: 'GET', path: '/v1/organizations/{orgId}/costs/summary' },
  organizationCostBreakdown: { method: 'GET', path: '/v1/organizations/{orgId}/costs/breakdown' },
  otlpTraces: { method: 'POST', path: '/v1/otlp/v1/traces' },
  trace: { method: 'GET', path: '/v1/projects/{projectId}/traces/{traceId}' },
} as const satisfies Record<string, Route>;

export interface Call<RT extends ResponseType | undefined> {
  path?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: RequestBody;
  params?: RefinedParams<RT>;
}

/** The route's URL under BASE_URL, its `{name}` segments filled in (a missing one is a script bug: it throws). */
export function routeUrl(route: Route, path: Record<string, string> = {}, query: Record<string, string | number | undefined> = {}): string {
  const filled = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = path[name];
    if (value === undefined) throw new Error(`${route.method} ${route.path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  const pairs = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return `${config.baseUrl}${filled}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}`;
}

export function request<RT extends ResponseType | undefined>(route: Route, call: Call<RT> = {}): RefinedResponse<RT> {
  return http.request(route.method, routeUrl(route, call.path, call.query), call.body ?? null, call.params);
}
