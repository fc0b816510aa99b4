import { DynamicModule, Module, type Provider } from '@nestjs/common';
import type { ServiceRuntime } from '@llmlab/service-kit';
import { AccessController } from './access/access.controller';
import { AccessQueries } from './access/access.queries';
import { CacheInvalidation } from './access/cache-invalidation';
import { ApiKeyController } from './api-keys/api-key.controller';
import { ApiKeyHandler } from './api-keys/api-key.handler';
import { ApiKeyQueries } from './api-keys/api-key.queries';
import { AUTH_CONFIG, authConfig } from './auth.config';
import { EmailLookup, type MasterKey } from './crypto/field-cipher';
import { SubjectKeys } from './crypto/subject-keys';
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
  static forRoot(runtime: ServiceRuntime, masterKey: MasterKey): DynamicModule {
    const config = authConfig(runtime);
    const keyRing = new SigningKeyRing(runtime.pool, runtime.eventStore, masterKey, config.SIGNING_KEY_ROTATION_DAYS);
    const invalidation = new CacheInvalidation(runtime.redis, config.NATS_PREFIX, runtime.logger);
    const values: Provider[] = [
      { provide: AUTH_CONFIG, useValue: config },
      { provide: SubjectKeys, useValue: new SubjectKeys(runtime.pool, masterKey) },
      { provide: EmailLookup, useValue: new EmailLookup(masterKey) },
      { provide: CommandRunner, useValue: new CommandRunner(runtime.eventStore) },
      { provide: WriteEffects, useValue: new WriteEffects(runtime.pool, invalidation, config.READ_YOUR_WRITES_TIMEOUT_MS, runtime.logger) },
      { provide: SigningKeyRing, useValue: keyRing },
      {
        provide: AccessTokens,
        useValue: new AccessTokens(keyRing, {
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
