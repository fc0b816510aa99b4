import { z, ZodError, ZodRawShape } from 'zod';

/** Thrown at start-up when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Invalid configuration: ' + problems.map((p) => `${p.variable}: ${p.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start-up, into a typed object (fail fast). Variables are read by their
 * upper-case names; the schema's keys are those names.
 */
export function loadConfig<S extends ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<S>> {
  try {
    return z.object(shape).parse(env);
  } catch (err) {
    if (err instanceof ZodError) {
      throw new ConfigError(err.issues.map((i) => ({ variable: i.path.join('.') || '(env)', message: i.message })));
    }
    throw err;
  }
}

const url = (protocols: string[]) =>
  z
    .string()
    .min(1)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol.replace(':', ''));
        } catch {
          return false;
        }
      },
      `must be a URL with scheme ${protocols.join(' or ')}`,
    );

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Variables every process of the platform reads. */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: url(['nats', 'tls', 'ws', 'wss']).default('nats://127.0.0.1:4222'),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  /**
   * Prefix for every NATS subject and JetStream stream of this deployment, so that several stacks (a test run
   * beside a developer's `npm start`) share one NATS server without crossing. Empty in production.
   */
  NATS_PREFIX: z
    .string()
    .regex(/^([a-z0-9_-]+)?$/i, 'letters, digits, _ and - only')
    .default(''),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
};

/** Variables of the domain services (everything but the gateway). */
export const domainServiceEnv = {
  ...commonEnv,
  DATABASE_URL: url(['postgres', 'postgresql']).default('postgres://postgres@127.0.0.1:5432/llmlab'),
  MIGRATE_ON_START: bool(true),
  EVENTSTORE_CONNECTION_STRING: z.string().optional(),
  /** Replicas of each JetStream stream: 3 on a NATS cluster (Kubernetes), 1 on a single server. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
};

export const configHelpers = { url, port, bool };
export { z };
