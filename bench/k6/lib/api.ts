import { check } from 'k6';
import type { RefinedResponse, ResponseType } from 'k6/http';
import { config, optional } from './config.ts';
import { ROUTES, request } from './routes.ts';

export interface KeyIdentity {
  projectId: string;
  organizationId: string;
  scopes: string[];
}

export const apiKeyHeaders = (): Record<string, string> => ({ 'X-API-Key': config.apiKey });

/** The JSON body, or a clear error naming the route and status (a proxy's HTML error page is not JSON). */
export function json<T>(res: RefinedResponse<ResponseType | undefined>, what: string): T {
  try {
    return res.json() as T;
  } catch {
    throw new Error(`${what}: answered ${res.status} without a JSON body`);
  }
}

/**
 * The project and organization of API_KEY, from `GET /v1/me`: the key decides the project (a key of another project
 * answers 404 on this one's routes), so the scripts never ask for its id. Stops the run when the key lacks a scope.
 */
export function keyIdentity(needs: string[]): KeyIdentity {
  const res = request(ROUTES.me, { params: { headers: apiKeyHeaders(), tags: { endpoint: 'me' } } });
  if (res.status !== 200)
    throw new Error(`GET /v1/me with API_KEY answered ${res.status}: is BASE_URL right, is the key valid? ${res.body}`);
  const me = json<{ type: string; apiKey?: KeyIdentity }>(res, 'GET /v1/me');
  if (me.type !== 'api_key' || !me.apiKey) throw new Error('API_KEY is not an API key (GET /v1/me says otherwise)');
  const granted = me.apiKey.scopes;
  const missing = needs.filter((scope) => !granted.includes(scope) && !granted.includes('admin'));
  if (missing.length > 0) throw new Error(`API_KEY lacks the ${missing.join(' and ')} scope (it has ${granted.join(', ')})`);
  return { projectId: me.apiKey.projectId, organizationId: me.apiKey.organizationId, scopes: granted };
}

/**
 * A signed-in member's access token, for what an API key may not read (organization-wide costs): ACCESS_TOKEN as
 * given, or EMAIL and PASSWORD exchanged once in setup. Either lasts ACCESS_TOKEN_TTL_SECONDS (15 minutes by
 * default): keep a run shorter, or it ends in 401s.
 */
export function userToken(): string {
  const given = optional('ACCESS_TOKEN');
  if (given !== undefined) return given;
  const email = optional('EMAIL');
  const password = optional('PASSWORD');
  if (email === undefined || password === undefined) {
    throw new Error(
      'organization-wide queries need a member of the organization: set ACCESS_TOKEN, or EMAIL and PASSWORD ' +
        '(docs/operations.md, "Load-testing your install with k6")',
    );
  }
  const res = request(ROUTES.login, {
    body: JSON.stringify({ email, password }),
    params: { headers: { 'Content-Type': 'application/json' }, tags: { endpoint: 'login' } },
  });
  if (res.status !== 200) throw new Error(`POST /v1/auth/login answered ${res.status}: ${res.body}`);
  return json<{ accessToken: string }>(res, 'POST /v1/auth/login').accessToken;
}

/**
 * A name for this run, unique enough to keep event ids and span ids apart from earlier runs (event ids count once
 * per project for 40 days: a repeated id would be a duplicate, not load). Made once, in setup.
 */
export function newRunId(): string {
  const given = optional('RUN_ID');
  if (given !== undefined) {
    if (!/^[a-z0-9-]{1,32}$/i.test(given)) throw new Error('RUN_ID must be 1 to 32 letters, digits or dashes');
    return given;
  }
  return `${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
}

/** Checks the status and returns whether it matched, so a caller stops on an unexpected answer. */
export function expectStatus(res: RefinedResponse<ResponseType | undefined>, status: number, what: string): boolean {
  return check(res, { [`${what}: ${status}`]: (r) => r.status === status });
}
