import { configHelpers, z } from '@llmlab/config';
import { DEFAULT_PROXY_PORT } from '@llmlab/contracts';
import { trustedOriginsEnv } from '@llmlab/notifications';
import { upstreamEnv, type UpstreamConfig } from './upstream';
import type { DomainServiceConfig } from '@llmlab/service-kit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const baseUrl = (fallback: string) =>
  z
    .string()
    .url()
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ''));

/** The proxy service's own environment, validated with the common variables at start. */
export const proxyEnv = {
  ...upstreamEnv,
  /**
   * The data path's port (`/proxy/openai/v1/*`, `/proxy/anthropic/*`), which the gateway streams to and clients in the
   * cluster may call; `HTTP_PORT` keeps health and metrics, as every service's.
   */
  PROXY_PORT: configHelpers.port(DEFAULT_PROXY_PORT),
  /**
   * Where recorded usage waits on disk until JetStream has it (the write-ahead spool): a directory of its own per
   * replica, on a volume that outlives the process (Kubernetes: a persistent volume, or at least an emptyDir).
   */
  PROXY_SPOOL_DIR: z.string().min(1).default('.llmlab/proxy-spool'),
  /** Past this the spool refuses new usage, and the proxy refuses calls rather than forward them unrecorded. */
  PROXY_SPOOL_MAX_BYTES: positiveInt(1 << 30),
  /**
   * `always`: the end of an answer waits until its usage is on disk (it survives the machine going down). `none`: until
   * the operating system has it (it survives a crash or kill of the proxy, not of the machine), for less latency.
   */
  PROXY_SPOOL_SYNC: z.enum(['always', 'none']).default('always'),
  /** The upstream of `/proxy/openai/v1/*`: OpenAI's API, or another OpenAI-compatible base (operator setting). */
  PROXY_OPENAI_BASE_URL: baseUrl('https://api.openai.com/v1'),
  /** The upstream of `/proxy/anthropic/*`: Anthropic's API, or a compatible base (operator setting). */
  PROXY_ANTHROPIC_BASE_URL: baseUrl('https://api.anthropic.com'),
  /** How long an upstream may take to answer with its status and headers; a stream may then run as long as it runs. */
  PROXY_UPSTREAM_TIMEOUT_MS: positiveInt(600_000),
  /**
   * `max_tokens` of an OpenAI chat call that names no limit when a route sends it to an Anthropic target (translated):
   * Anthropic requires one. The answer ends with `finish_reason: length` past it.
   */
  PROXY_TRANSLATED_MAX_TOKENS: positiveInt(4_096),
  /** The largest request body forwarded (images and documents travel inline). */
  PROXY_MAX_BODY_BYTES: positiveInt(32 << 20),
  /** 32 bytes, base64: wraps the data keys of stored provider keys (`proxy.provider_key_keys`). */
  MASTER_ENCRYPTION_KEY: z.string().optional(),
  MASTER_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  /**
   * Origins (`scheme://host:port`) a stored provider key's `baseUrl` may name although they are not public HTTPS
   * (a local model server, an on-premises gateway, the fake providers in tests). Empty by default; never tenant input.
   */
  PROXY_TRUSTED_ORIGINS: trustedOriginsEnv,
  /** How long this process keeps a project's opened provider key: a replaced or removed key is out of use after it. */
  PROXY_PROVIDER_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /**
   * How long a price asked of the ingestion service (for the cost headers, enforced budgets and cache savings) is
   * used, within the span it is in force: a price set meanwhile applies after it.
   */
  PROXY_PRICE_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** How long a provider-key command waits for the read model to apply its events before answering anyway. */
  PROXY_READ_YOUR_WRITES_TIMEOUT_MS: positiveInt(5_000),
  /** How long a project's enforced budgets (asked of the alerts service) are used before they are asked again. */
  PROXY_BUDGET_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** The alerts service cannot be asked: the last answer is used this long, then calls of the project are refused (503). */
  PROXY_BUDGET_STALE_MS: positiveInt(300_000),
  /**
   * The enforced budgets cannot be read (the alerts service down, no recent answer): `refuse` the project's calls
   * (503; a budget stays a hard cap), or `allow` them unchecked (logged), for an install that prefers availability.
   */
  PROXY_BUDGET_UNAVAILABLE: z.enum(['refuse', 'allow']).default('refuse'),
  /** The output assumed of a call that names no limit (`max_tokens` and the like), for the estimate held on a budget. */
  PROXY_BUDGET_DEFAULT_OUTPUT_TOKENS: positiveInt(4_096),
  /** Calls per hour of an LLMLab key (one bucket with its `POST /v1/usage`), unless the operator set its organization's. */
  RATE_LIMIT_INGEST_PER_HOUR: positiveInt(360_000),
  /** How long a resolved API key is kept in this process and in Redis (as the gateway's identity settings). */
  IDENTITY_MEMORY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  IDENTITY_REDIS_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(3_000),
};

export interface ProxyConfig extends DomainServiceConfig, UpstreamConfig {
  PROXY_PORT: number;
  PROXY_SPOOL_DIR: string;
  PROXY_SPOOL_MAX_BYTES: number;
  PROXY_SPOOL_SYNC: 'always' | 'none';
  PROXY_OPENAI_BASE_URL: string;
  PROXY_ANTHROPIC_BASE_URL: string;
  PROXY_UPSTREAM_TIMEOUT_MS: number;
  PROXY_MAX_BODY_BYTES: number;
  PROXY_TRANSLATED_MAX_TOKENS: number;
  PROXY_TRUSTED_ORIGINS: string[];
  PROXY_PROVIDER_KEY_CACHE_MS: number;
  PROXY_READ_YOUR_WRITES_TIMEOUT_MS: number;
  PROXY_PRICE_CACHE_MS: number;
  PROXY_BUDGET_CACHE_MS: number;
  PROXY_BUDGET_STALE_MS: number;
  PROXY_BUDGET_UNAVAILABLE: 'refuse' | 'allow';
  PROXY_BUDGET_DEFAULT_OUTPUT_TOKENS: number;
  RATE_LIMIT_INGEST_PER_HOUR: number;
  IDENTITY_MEMORY_CACHE_MS: number;
  IDENTITY_REDIS_CACHE_MS: number;
}
