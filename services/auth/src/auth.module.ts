import { DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ServiceRuntime } from '@llmlab/service-kit';
import { AccessController } from './access/access.controller';
import { AccessQueries } from './access/access.queries';
import { CacheInvalidation } from './access/cache-invalidation';
import { ApiKeyController } from './api-keys/api-key.controller';
import { ApiKeyHandler } from './api-keys/api-key.handler';
import { ApiKeyQueries } from './api-keys/api-key.queries';
import { AUTH_CONFIG, authConfig } from './auth.config';
import { EmailLookup, SubjectKeyStore, type MasterKeyRing } from '@llmlab/crypto';
import { loadServiceKeys, type ServiceKeys } from './crypto/service-keys';
import { InvitationAcceptance } from './organizations/invitation-acceptance';
import { OrganizationController } from './organizations/organization.controller';
import { OrganizationHandler } from './organizations/organization.handler';
import { OrganizationQueries } from './organizations/organization.queries';
import { ProjectController } from './projects/project.controller';
import { ProjectHandler } from './projects/project.handler';
import { ProjectQueries } from './projects/project.queries';
import { ReadModelsModule } from './read-models/read-models.module';
import { AccessTokens } from './sessions/access-tokens';
import { KeyRotationScheduler } from './sessions/key-rotation.scheduler';
import { LoginThrottle } from './sessions/login-throttle';
import { RefreshTokens } from './sessions/refresh-tokens';
import { SessionController } from './sessions/session.controller';
import { SessionHandler } from './sessions/session.handler';
import { SigningKeyRing } from './sessions/signing-keys';
import { CommandRunner } from '@llmlab/domain';
import { WriteEffects } from './shared/write-effects';
import { EmailClaims } from './users/email-claims';
import { Passwords } from './users/passwords';
import { UserController } from './users/user.controller';
import { UserHandler } from './users/user.handler';
import { UserQueries } from './users/user.queries';

/** The auth service: owns users, organizations, memberships, projects, API keys and refresh-token families. */
@Module({})
export class AuthModule {
  static forRoot(runtime: ServiceRuntime, masterKeys: MasterKeyRing): DynamicModule {
    const config = authConfig(runtime);
    // Loaded (and created at the first start) before the service takes requests: a master key that cannot read
    // the existing data stops the start here, naming the variable to set.
    let loading: Promise<ServiceKeys> | undefined;
    const serviceKeys = () => (loading ??= loadServiceKeys(runtime.pool, masterKeys));
    const invalidation = new CacheInvalidation(runtime.redis, config.NATS_PREFIX, runtime.logger);
    const values: Provider[] = [
      { provide: AUTH_CONFIG, useValue: config },
      { provide: SubjectKeyStore, useValue: new SubjectKeyStore(runtime.pool, masterKeys, 'auth.subject_keys') },
      { provide: EmailLookup, useFactory: async () => (await serviceKeys()).emailLookup },
      { provide: CommandRunner, useValue: new CommandRunner(runtime.eventStore) },
      { provide: WriteEffects, useValue: new WriteEffects(runtime.pool, invalidation, config.READ_YOUR_WRITES_TIMEOUT_MS, runtime.logger) },
      {
        provide: SigningKeyRing,
        useFactory: async () =>
          new SigningKeyRing(runtime.pool, runtime.eventStore, (await serviceKeys()).signingKeyCipher, config.SIGNING_KEY_ROTATION_DAYS),
      },
      {
        provide: AccessTokens,
        inject: [SigningKeyRing],
        useFactory: (keyRing: SigningKeyRing) =>
          new AccessTokens(keyRing, {
            issuer: config.JWT_ISSUER,
            audience: config.JWT_AUDIENCE,
            ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
          }),
      },
      { provide: RefreshTokens, useValue: new RefreshTokens(runtime.pool, config.REFRESH_TOKEN_TTL_SECONDS) },
      { provide: Passwords, useValue: new Passwords() },
      {
        provide: LoginThrottle,
        useValue: new LoginThrottle(
          runtime.redis,
          {
            namespace: config.NATS_PREFIX,
            maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
            maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
            windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
          },
          runtime.logger,
        ),
      },
    ];
    return {
      module: AuthModule,
      imports: [ReadModelsModule],
      controllers: [UserController, SessionController, OrganizationController, ProjectController, ApiKeyController, AccessController],
      providers: [
        ...values,
        KeyRotationScheduler,
        EmailClaims,
        InvitationAcceptance,
        SessionHandler,
        UserHandler,
        UserQueries,
        OrganizationHandler,
        OrganizationQueries,
        ProjectHandler,
        ProjectQueries,
        ApiKeyHandler,
        ApiKeyQueries,
        AccessQueries,
      ],
    };
  }
}
