/**
 * Redis keys the gateway caches identity answers under, and the auth service deletes when they change, so a
 * revoked key or a removed member stops working on every gateway replica at once. `namespace` separates
 * deployments sharing a Redis (the NATS prefix, empty in production).
 */
export const authCacheKeys = {
  /** Hash of a user's resolved access: fields `org:<id>` and `project:<id>`. */
  access: (namespace: string, userId: string) => `${ns(namespace)}auth:access:${userId}`,
  /** The usable keys sharing a public prefix. */
  apiKeyPrefix: (namespace: string, prefix: string) => `${ns(namespace)}auth:api-key:${prefix}`,
};

/**
 * Core NATS subject (prefixed with `NATS_PREFIX`) the auth service publishes to after deleting cache entries, so
 * that every gateway replica drops its in-memory copies at once. Subscribers use no queue group: a fan-out to all
 * replicas. At most once, like core NATS: a replica that misses it keeps its copy for `IDENTITY_MEMORY_CACHE_MS`.
 */
export const AUTH_CACHE_INVALIDATED_SUBJECT = 'auth.cache.invalidated';

/** The message on `auth.cache.invalidated`: the deleted Redis keys (user ids and public key prefixes, no secret). */
export interface AuthCacheInvalidated {
  keys: string[];
}

/** What a key of `authCacheKeys` caches, or null for another key. */
export function parseAuthCacheKey(
  namespace: string,
  key: string,
): { kind: 'access'; userId: string } | { kind: 'api-key-prefix'; prefix: string } | null {
  const access = authCacheKeys.access(namespace, '');
  const apiKey = authCacheKeys.apiKeyPrefix(namespace, '');
  if (key.startsWith(access)) return { kind: 'access', userId: key.slice(access.length) };
  if (key.startsWith(apiKey)) return { kind: 'api-key-prefix', prefix: key.slice(apiKey.length) };
  return null;
}

/**
 * Set (NX, one minute) by the auth service when it writes an API key's `last_used_at`: the gate that lets through
 * one write per key and minute, whichever gateway replica reported the use.
 */
export function apiKeyUseGateKey(namespace: string, apiKeyId: string): string {
  return `${ns(namespace)}auth:api-key-used:${apiKeyId}`;
}

/**
 * Failed logins counted since the last `UserLoginFailed` event of a subject (`user:<id>` or `unknown`), and the
 * one-minute gate after each event (security-events.ts).
 */
export const loginFailureKeys = (namespace: string, subject: string) => ({
  count: `${ns(namespace)}auth:login-failures:${subject}:count`,
  gate: `${ns(namespace)}auth:login-failures:${subject}:gate`,
  /** When the previous event was recorded (the `since` of the next). */
  last: `${ns(namespace)}auth:login-failures:${subject}:last`,
  /** When the latest failure not reported yet happened (the `failedAt` of an event the flush appends). */
  latest: `${ns(namespace)}auth:login-failures:${subject}:latest`,
  /** The subjects holding failures back, for the flush (one set, never a scan of the whole Redis). */
  pending: `${ns(namespace)}auth:login-failures:pending`,
});

/** Rate-limit counters, by class and subject (`mgmt:user:<id>:<org>`, `ingest:key:<id>`, `login:ip:<ip>`). */
export function rateLimitKey(namespace: string, bucket: string, window: number): string {
  return `${ns(namespace)}ratelimit:${bucket}:${window}`;
}

function ns(namespace: string): string {
  return namespace ? `llmlab:${namespace}:` : 'llmlab:';
}
