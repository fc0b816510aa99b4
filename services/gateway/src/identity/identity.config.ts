import { z } from '@llmlab/config';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The gateway's identity settings (authentication, authorization, rate limits). */
export const identityEnv = {
  /** Must equal the auth service's: tokens with another `iss` or `aud` are refused. */
  JWT_ISSUER: z.string().min(1).default('llmlab'),
  JWT_AUDIENCE: z.string().min(1).default('llmlab-api'),
  /** Leeway for `exp` and `nbf` between the clocks of the auth service and the gateway. */
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  /** An unknown `kid` refreshes the JWKS at most this often, so forged kids cannot flood the auth service. */
  JWKS_REFRESH_MIN_INTERVAL_MS: positiveInt(5_000),
  /**
   * The JWKS is re-read before verifying a token when the copy in memory is older than this. Must stay below the
   * auth service's `SIGNING_KEY_PUBLISH_LEAD_SECONDS` minus 5: then a new key is known before it signs.
   */
  JWKS_MAX_AGE_SECONDS: positiveInt(300),
  /** Management API requests per hour, per user (per organization) and per API key, unless an organization sets its own. */
  RATE_LIMIT_MANAGEMENT_PER_HOUR: positiveInt(1_000),
  /** Ingest requests per hour per API key, unless its organization sets its own. */
  RATE_LIMIT_INGEST_PER_HOUR: positiveInt(360_000),
  /**
   * Anonymous requests per hour per client IP: the public auth routes (signup, login, refresh, logout) and
   * failed authentications. Past it, unknown API keys from that IP are not even looked up.
   */
  RATE_LIMIT_ANONYMOUS_PER_HOUR: positiveInt(300),
  /**
   * How long resolved identities (API keys, a user's role) are kept in memory and in Redis. A change deletes the
   * Redis entries and broadcasts `auth.cache.invalidated`, on which every replica drops its memory copies: a
   * revoked key or a removed member stops at once whatever these are. They bound only what a lost broadcast
   * (a replica cut off from NATS) or an unreachable Redis leaves behind.
   */
  IDENTITY_MEMORY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  IDENTITY_REDIS_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(3_000),
  /**
   * The operator API's bearer token (`/v1/operator/*`: rate limits of any organization). Unset, those routes answer
   * 404: they do not exist. A random string of at least 32 characters (`openssl rand -base64 48`), kept in a secret
   * store; it is compared by SHA-256 digest in constant time, and never logged.
   */
  OPERATOR_API_TOKEN: z.string().min(32, 'must have at least 32 characters (openssl rand -base64 48)').optional(),
  /**
   * Which proxies are believed when they say who the client is (X-Forwarded-For), for per-IP limits and the IP
   * in event metadata: `true`, `false`, a hop count, or addresses, CIDRs and the names `loopback`, `linklocal`,
   * `uniquelocal`. The default believes no one: behind a NodePort or a LoadBalancer a client would otherwise choose
   * its own IP. Behind an ingress controller, set its pods' addresses (CIDR) or the hop count.
   */
  TRUST_PROXY: z.string().min(1).default('false'),
};

/** TRUST_PROXY as Fastify's `trustProxy` option. */
export function trustProxySetting(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}
