import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { AuthEvent } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { WriteEffects } from '@llmlab/messaging';
import { EmailLookup, MasterKeyRing, SubjectKeyStore } from '@llmlab/crypto';
import {
  backgroundWorkers,
  EVENT_STORE,
  LOGGER,
  masterKeyProvider,
  NATS_CONNECTION,
  PG_POOL,
  REDIS,
  SERVICE_CONFIG,
} from '@llmlab/service-kit';
import { AccessController } from './access/access.controller';
import { AccessQueries } from './access/access.queries';
import { CacheInvalidation } from './access/cache-invalidation';
import { ApiKeyController } from './api-keys/api-key.controller';
import { ApiKeyUsage } from './api-keys/api-key-usage';
import { ApiKeyHandler } from './api-keys/api-key.handler';
import { ApiKeyQueries } from './api-keys/api-key.queries';
import type { AuthConfig } from './auth.config';
import { loadServiceKeys, type ServiceKeys } from './crypto/service-keys';
import { Invitations } from './organizations/invitations';
import { EmailTokens } from './mail/email-tokens';
import { Mailer } from './mail/mailer';
import { OrganizationController } from './organizations/organization.controller';
import { OrganizationHandler } from './organizations/organization.handler';
import { OrganizationQueries } from './organizations/organization.queries';
import { ProjectController } from './projects/project.controller';
import { ProjectHandler } from './projects/project.handler';
import { ProjectQueries } from './projects/project.queries';
import { AUTH_READ_MODELS } from './read-models/auth.projection';
import { ReadModelsModule } from './read-models/read-models.module';
import { ReadModelsWorker } from './read-models/read-models.worker';
import { AccessTokens } from './sessions/access-tokens';
import { KeyRotationWorker } from './sessions/key-rotation.worker';
import { LoginFailures } from './sessions/login-failures';
import { LoginThrottle } from './sessions/login-throttle';
import { RefreshTokens } from './sessions/refresh-tokens';
import { SessionController } from './sessions/session.controller';
import { SessionHandler } from './sessions/session.handler';
import { SigningKeyRing } from './sessions/signing-keys';
import { EmailClaims } from './users/email-claims';
import { EmailVerification } from './users/email-verification';
import { Passwords } from './users/passwords';
import { UserController } from './users/user.controller';
import { UserHandler } from './users/user.handler';
import { PersonalDataQueries } from './users/personal-data.queries';
import { UserErasure } from './users/user-erasure';
import { UserQueries } from './users/user.queries';

/** The auth service's stable secrets (`auth.service_keys`), read once at start. */
const SERVICE_KEYS = Symbol('SERVICE_KEYS');

/** The auth service: owns users, organizations, memberships, projects, API keys and refresh-token families. */
@Module({
  imports: [ReadModelsModule],
  controllers: [UserController, SessionController, OrganizationController, ProjectController, ApiKeyController, AccessController],
  providers: [
    masterKeyProvider,
    {
      provide: SubjectKeyStore,
      inject: [PG_POOL, MasterKeyRing],
      useFactory: (pool: Pool, ring: MasterKeyRing) => new SubjectKeyStore(pool, ring, 'auth.subject_keys'),
    },
    // Loaded (and made at the first start) before the service takes requests: a master key that cannot read the
    // existing data stops the start here, naming the variable to set.
    {
      provide: SERVICE_KEYS,
      inject: [PG_POOL, MasterKeyRing],
      useFactory: (pool: Pool, ring: MasterKeyRing) => loadServiceKeys(pool, ring),
    },
    { provide: EmailLookup, inject: [SERVICE_KEYS], useFactory: (keys: ServiceKeys) => keys.emailLookup },
    {
      provide: CacheInvalidation,
      inject: [REDIS, SERVICE_CONFIG, LOGGER, NATS_CONNECTION],
      useFactory: (redis: Redis, config: AuthConfig, logger: Logger, nats: NatsConnection) =>
        new CacheInvalidation(redis, config.NATS_PREFIX, logger, nats),
    },
    {
      provide: WriteEffects,
      inject: [PG_POOL, CacheInvalidation, SERVICE_CONFIG, LOGGER],
      useFactory: (pool: Pool, invalidation: CacheInvalidation, config: AuthConfig, logger: Logger) =>
        // The projection drops the entries too, after its own commit: whichever comes last wins, and a cache
        // refilled from a read model that was not yet up to date is dropped again.
        new WriteEffects<AuthEvent>(pool, AUTH_READ_MODELS, config.READ_YOUR_WRITES_TIMEOUT_MS, logger, async (events) => {
          const stale = (await Promise.all(events.map((e) => invalidation.staleKeys(pool, e)))).flat();
          await invalidation.drop(stale);
        }),
    },
    {
      provide: SigningKeyRing,
      inject: [PG_POOL, EVENT_STORE, SERVICE_KEYS, SERVICE_CONFIG],
      useFactory: (pool: Pool, store: EventStore, keys: ServiceKeys, config: AuthConfig) =>
        new SigningKeyRing(pool, store, keys.signingKeyCipher, config.SIGNING_KEY_ROTATION_DAYS, {
          publishLeadSeconds: config.SIGNING_KEY_PUBLISH_LEAD_SECONDS,
          accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        }),
    },
    {
      provide: AccessTokens,
      inject: [SigningKeyRing, SERVICE_CONFIG],
      useFactory: (keys: SigningKeyRing, config: AuthConfig) =>
        new AccessTokens(keys, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS }),
    },
    {
      provide: RefreshTokens,
      inject: [PG_POOL, SERVICE_CONFIG],
      useFactory: (pool: Pool, config: AuthConfig) => new RefreshTokens(pool, config.REFRESH_TOKEN_TTL_SECONDS),
    },
    { provide: Passwords, useFactory: () => new Passwords() },
    {
      provide: LoginThrottle,
      inject: [REDIS, SERVICE_CONFIG, LOGGER],
      useFactory: (redis: Redis, config: AuthConfig, logger: Logger) =>
        new LoginThrottle(
          redis,
          {
            namespace: config.NATS_PREFIX,
            maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
            maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
            windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
          },
          logger,
        ),
    },
    { provide: EmailTokens, inject: [PG_POOL], useFactory: (pool: Pool) => new EmailTokens(pool) },
    {
      provide: Mailer,
      inject: [SERVICE_CONFIG, LOGGER],
      useFactory: (config: AuthConfig, logger: Logger) =>
        new Mailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, nodeEnv: config.NODE_ENV }, logger),
    },
    EmailClaims,
    EmailVerification,
    Invitations,
    LoginFailures,
    SessionHandler,
    UserHandler,
    UserErasure,
    UserQueries,
    PersonalDataQueries,
    OrganizationHandler,
    OrganizationQueries,
    ProjectHandler,
    ProjectQueries,
    ApiKeyHandler,
    ApiKeyQueries,
    ApiKeyUsage,
    AccessQueries,
    KeyRotationWorker,
    ReadModelsWorker,
    backgroundWorkers(KeyRotationWorker, ReadModelsWorker, LoginFailures),
  ],
})
export class AuthModule {}
