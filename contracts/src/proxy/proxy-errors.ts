/** The two wire formats the proxy speaks, by path: `/proxy/openai/v1/*` and `/proxy/anthropic/*`. */
export type ProxyWireFormat = 'openai' | 'anthropic';

export const PROXY_PATH_PREFIXES: Readonly<Record<ProxyWireFormat, string>> = {
  openai: '/proxy/openai/v1/',
  anthropic: '/proxy/anthropic/',
};

/** The format of a proxy path, or undefined for any other path. */
export function proxyFormatOf(url: string): ProxyWireFormat | undefined {
  if (url.startsWith(PROXY_PATH_PREFIXES.openai)) return 'openai';
  if (url.startsWith(PROXY_PATH_PREFIXES.anthropic)) return 'anthropic';
  return undefined;
}

export type ProxyErrorKind =
  | 'authentication'
  | 'permission'
  | 'invalid_request'
  | 'too_large'
  | 'unavailable'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'internal'
  /** An enforced budget covering the call has no room left for it. */
  | 'budget_exceeded'
  /** The LLMLab key's calls per hour (the same ingest limit as `POST /v1/usage`) are used up. */
  | 'rate_limited';

export const PROXY_ERROR_STATUS: Readonly<Record<ProxyErrorKind, number>> = {
  authentication: 401,
  permission: 403,
  invalid_request: 400,
  too_large: 413,
  unavailable: 503,
  upstream_unreachable: 502,
  upstream_timeout: 504,
  internal: 500,
  budget_exceeded: 429,
  rate_limited: 429,
};

/** Anthropic's error types (its API reference, "Errors"). */
const ANTHROPIC_TYPE: Record<ProxyErrorKind, string> = {
  authentication: 'authentication_error',
  permission: 'permission_error',
  invalid_request: 'invalid_request_error',
  too_large: 'request_too_large',
  unavailable: 'overloaded_error',
  upstream_unreachable: 'api_error',
  upstream_timeout: 'api_error',
  internal: 'api_error',
  budget_exceeded: 'rate_limit_error',
  rate_limited: 'rate_limit_error',
};

/** OpenAI's error `type` and `code` (its API reference, "Error codes"). */
const OPENAI_TYPE: Record<ProxyErrorKind, { type: string; code: string | null }> = {
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { type: 'invalid_request_error', code: 'insufficient_permissions' },
  invalid_request: { type: 'invalid_request_error', code: null },
  too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  unavailable: { type: 'server_error', code: 'service_unavailable' },
  upstream_unreachable: { type: 'server_error', code: 'upstream_unreachable' },
  upstream_timeout: { type: 'server_error', code: 'upstream_timeout' },
  internal: { type: 'server_error', code: null },
  budget_exceeded: { type: 'insufficient_quota', code: 'budget_exceeded' },
  rate_limited: { type: 'requests', code: 'rate_limit_exceeded' },
};

/**
 * An error of the proxy itself (or of the gateway on its way there) in the body the caller's provider client reads,
 * so that the OpenAI and Anthropic SDKs raise it with its message, rather than the platform API's problem+json: on
 * these paths the platform speaks its provider's protocol. `field` names what was wrong (a header, or a member of the
 * body) in the message and, for OpenAI, in `param`.
 */
export function providerErrorBody(
  format: ProxyWireFormat,
  kind: ProxyErrorKind,
  message: string,
  field?: string,
  /** Members beside the provider's own, for clients that look (`budget` on a `budget_exceeded`). */
  extra: Record<string, unknown> = {},
): object {
  const text = field ? `${field}: ${message}` : message;
  return format === 'openai'
    ? { error: { message: text, type: OPENAI_TYPE[kind].type, param: field ?? null, code: OPENAI_TYPE[kind].code }, ...extra }
    : { type: 'error', error: { type: ANTHROPIC_TYPE[kind], message: text }, ...extra };
}
