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

/** Rate-limit counters, by class and subject (`mgmt:user:<id>:<org>`, `ingest:key:<id>`, `login:ip:<ip>`). */
export function rateLimitKey(namespace: string, bucket: string, window: number): string {
  return `${ns(namespace)}ratelimit:${bucket}:${window}`;
}

function ns(namespace: string): string {
  return namespace ? `llmlab:${namespace}:` : 'llmlab:';
}
