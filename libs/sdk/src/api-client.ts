import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './generated/api';
import { SDK_VERSION } from './version';

export type { components as ApiComponents, operations as ApiOperations, paths as ApiPaths };
/** The schemas of the API's bodies, e.g. `ApiSchemas['CostSummaryDto']`. */
export type ApiSchemas = components['schemas'];
export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  /** The platform's public address, e.g. `https://llmlab.example.com`. */
  baseUrl: string;
  /** A project API key (`llm_<env>_…`). */
  apiKey?: string;
  /** A user's access token from `POST /v1/auth/login`. */
  accessToken?: string;
  /** Replaces the global `fetch` (a proxy agent, a test double...). */
  fetch?: (request: Request) => Promise<Response>;
  /** Sent with every request, after the credentials (an `X-Request-Id`...). */
  headers?: Record<string, string>;
}

/**
 * A client typed from the gateway's OpenAPI document: paths, parameters, bodies and answers are checked at compile
 * time (`await api.GET('/v1/projects/{projectId}/costs/summary', { params: { path: { projectId } } })`). Give an API
 * key or an access token (neither for the public routes: signup, login). Answers come back as `{ data }` on success
 * and `{ error }` (problem+json) otherwise, with the raw `response`.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  if (options.apiKey && options.accessToken) throw new TypeError('createApiClient: give apiKey or accessToken, not both');
  const credential = options.apiKey ?? options.accessToken;
  return createClient<paths>({
    baseUrl: String(options.baseUrl ?? '').replace(/\/+$/, ''),
    headers: {
      'user-agent': `llmlab-sdk-node/${SDK_VERSION}`,
      // The gateway tells API keys from access tokens by their form.
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...options.headers,
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
