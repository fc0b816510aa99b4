import { API_KEY_ENVIRONMENTS } from '@llmlab/contracts';
import { z } from '@llmlab/config';
import type { DomainServiceConfig } from '@llmlab/service-kit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The auth service's own environment, validated with the common variables at start. */
export const authEnv = {
  /**
   * 32 bytes, base64: wraps every per-subject key and the service keys (email lookup, signing-key encryption).
   * Required in production; in development and tests one is generated once into `.llmlab/master.key` when unset.
   */
  MASTER_ENCRYPTION_KEY: z.string().optional(),
  /** The master key being retired during a rotation: still unwraps, never wraps (`npm run keys:rotate`). */
  MASTER_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  /** `iss` and `aud` of access tokens; the gateway must be given the same values. */
  JWT_ISSUER: z.string().min(1).default('llmlab'),
  JWT_AUDIENCE: z.string().min(1).default('llmlab-api'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(900),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 3600),
  /**
   * A new signing key is made when the newest is older than this; the previous one stays in the JWKS. 0 makes a
   * new key at start (the runbook for a leaked key).
   */
  SIGNING_KEY_ROTATION_DAYS: z.coerce.number().min(0).default(30),
  /**
   * A new signing key is published in the JWKS this long before it signs. Must exceed the gateway's
   * `JWKS_MAX_AGE_SECONDS` plus 5 seconds (this service's own key cache), so every gateway knows a key before
   * any token carries its kid.
   */
  SIGNING_KEY_PUBLISH_LEAD_SECONDS: z.coerce.number().int().min(0).default(600),
  /** Failed logins allowed per account and per client IP within the window, then 429 until it ends. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt(10),
  LOGIN_MAX_FAILURES_PER_IP: positiveInt(50),
  LOGIN_THROTTLE_WINDOW_SECONDS: positiveInt(900),
  /** How many organizations one user may own; creating one more answers 409 ORGANIZATION_LIMIT_REACHED. */
  MAX_ORGANIZATIONS_PER_USER: positiveInt(10),
  /** The highest rate limit the operator may set for an organization (requests per hour), through the operator API. */
  RATE_LIMIT_OVERRIDE_MAX_PER_HOUR: positiveInt(1_000_000),
  /** The `<env>` of new API keys (`llm_live_...`); `live` in production, `test` elsewhere when unset. */
  API_KEY_ENVIRONMENT: z.enum(API_KEY_ENVIRONMENTS).optional(),
  /**
   * SMTP server for mail (verification, invitations), e.g. `smtps://user:pass@smtp.example.com:465`. A secret. When
   * unset outside production, mails (with their links) are written to the service log instead; production requires it.
   */
  SMTP_URL: z.string().url().optional(),
  /** The From of every mail. */
  MAIL_FROM: z.string().min(3).default('LLMLab <no-reply@llmlab.localhost>'),
  /** Where the dashboard is reached: the links in mails point there. */
  APP_URL: z.string().url().default('http://localhost:3000'),
  /** How long the link of a verification mail works. */
  EMAIL_VERIFICATION_TTL_HOURS: positiveInt(48),
  /** How long the link of an invitation mail works. */
  INVITATION_TTL_HOURS: positiveInt(7 * 24),
  /** Verification mails a user may ask for per hour, and that one client IP may ask for per hour. */
  VERIFICATION_RESEND_PER_ACCOUNT_PER_HOUR: positiveInt(3),
  VERIFICATION_RESEND_PER_IP_PER_HOUR: positiveInt(20),
  /** How long a command waits for its events to reach the read models before answering anyway. */
  READ_YOUR_WRITES_TIMEOUT_MS: positiveInt(5_000),
};

type AuthEnv = { [K in keyof typeof authEnv]: z.infer<(typeof authEnv)[K]> };
/** The auth service's configuration, injected as `SERVICE_CONFIG` (validated against `authEnv` at start). */
export type AuthConfig = DomainServiceConfig & AuthEnv;
