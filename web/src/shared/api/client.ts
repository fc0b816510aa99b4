import createClient from 'openapi-fetch';
import { accessToken, refreshSession } from '../auth/session';
import type { paths } from './schema';

const PUBLIC = /^\/v1\/auth\//;

/**
 * fetch with the session's access token. A 401 on a signed-in call gets one refresh and one retry: the token may
 * have been revoked or expired while the tab slept.
 */
export async function authFetch(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (PUBLIC.test(path)) return fetch(request);
  const retry = request.clone();
  const token = await accessToken();
  if (token) request.headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(request);
  if (res.status !== 401 || !token) return res;
  const fresh = await refreshSession();
  if (!fresh) return res;
  retry.headers.set('authorization', `Bearer ${fresh}`);
  return fetch(retry);
}

/** The API, typed from its OpenAPI document (the SDK's generated types): paths, parameters, bodies and answers. */
export const api = createClient<paths>({
  baseUrl: typeof location !== 'undefined' ? location.origin : '',
  fetch: authFetch,
});
