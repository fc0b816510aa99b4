import { commonEnv, configHelpers, z } from '@llmlab/config';
import { identityEnv } from './identity/identity.config';
import { pricingEnv } from './pricing/pricing.config';
import { proxyEdgeEnv } from './proxy-edge/proxy-edge.config';
import { usageEnv } from './usage/usage.config';
import { webEnv } from './web/web.config';

/** The gateway's environment: no database, by design (DESIGN.md section 1). */
export const gatewayEnv = {
  ...commonEnv,
  PORT: configHelpers.port(3000),
  HOST: z.string().default('0.0.0.0'),
  /** The operational listener (/metrics, detailed readiness): never exposed publicly (docs/operations.md). */
  INTERNAL_PORT: configHelpers.port(3100),
  INTERNAL_HOST: z.string().default('0.0.0.0'),
  /** How long the public /health/ready reuses its last answer, so unauthenticated calls do not fan out each time. */
  PUBLIC_READINESS_CACHE_MS: z.coerce.number().int().nonnegative().default(5_000),
  /** How long the gateway waits for a service's reply before answering 504. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Largest request body accepted, in bytes (413 beyond). */
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** Comma-separated origins allowed by CORS; empty allows none. */
  CORS_ORIGINS: z.string().default(''),
  /** The public URL of the API, printed at start so operators know where it answers. */
  PUBLIC_URL: configHelpers.url(['http', 'https']).default('http://localhost:3000'),
  ...identityEnv,
  ...usageEnv,
  ...pricingEnv,
  ...webEnv,
  ...proxyEdgeEnv,
};

export type GatewayConfig = ReturnType<typeof import('@llmlab/config').loadConfig<typeof gatewayEnv>>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
