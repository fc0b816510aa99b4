import { DynamicModule, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApiKeyAuthenticator, ApiKeyUseRecorder } from '@llmlab/api-keys';
import { auditAccessSubjects, authSubjects, type RequestContext } from '@llmlab/contracts';
import type { MessagingClient } from '@llmlab/messaging';
import type { GatewayConfig } from '../gateway.config';
import { ServiceReplyError } from '../http/problem';
import { ServiceClient } from '../messaging/service-client';
import { AccessResolver } from './access.resolver';
import { CacheInvalidationListener } from './cache-invalidation.listener';
import { IdentityGuard } from './identity.guard';
import { JwksCache } from './jwks.cache';
import { JwtStrategy } from './jwt.strategy';
import { OperatorToken } from './operator-token';
import { BufferedRateLimiter, RateLimiter } from '@llmlab/api-keys';
import { ResourceOwners } from './resource-owners';

export interface IdentityModuleDependencies {
  config: GatewayConfig;
  redis: Redis;
  logger: Logger;
  messaging: MessagingClient;
  nats: NatsConnection;
}

/** On shutdown, the requests counted in memory go to Redis before its connection closes. */
class CallerCountFlush implements OnModuleDestroy {
  constructor(private readonly callers: BufferedRateLimiter) {}

  async onModuleDestroy(): Promise<void> {
    await this.callers.flushAll();
  }
}

/**
 * Authentication, authorization and rate limiting of every route, as one global guard. Route modules register
 * the owners of their resource ids with the exported `ResourceOwners`.
 */
@Module({})
export class IdentityModule {
  static forRoot(deps: IdentityModuleDependencies): DynamicModule {
    const { config, redis, logger } = deps;
    const client = new ServiceClient(deps.messaging, config.REQUEST_TIMEOUT_MS, config.NATS_PREFIX);
    const cache = { namespace: config.NATS_PREFIX, memoryMs: config.IDENTITY_MEMORY_CACHE_MS, redisMs: config.IDENTITY_REDIS_CACHE_MS };
    const jwks = new JwksCache(client, config.JWKS_REFRESH_MIN_INTERVAL_MS, logger, config.JWKS_MAX_AGE_SECONDS * 1000);
    // Constructing the strategy registers it with passport under its name.
    new JwtStrategy(jwks, {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
    });
    const owners = new ResourceOwners(config.IDENTITY_MEMORY_CACHE_MS);
    const limiter = new RateLimiter(redis, config.NATS_PREFIX, logger);
    const identity = {
      jwks,
      apiKeys: new ApiKeyAuthenticator(
        async (prefix, correlationId) => {
          const reply = await client.ask(authSubjects.lookupApiKey, { prefix }, { correlationId });
          if (!reply.ok) throw new ServiceReplyError(reply.error);
          return reply.data.candidates;
        },
        redis,
        cache,
        logger,
        new ApiKeyUseRecorder(client, logger),
      ),
      access: new AccessResolver(client, redis, cache, logger),
      owners,
      limiter,
      callers: new BufferedRateLimiter(limiter, logger),
      limits: {
        managementPerHour: config.RATE_LIMIT_MANAGEMENT_PER_HOUR,
        ingestPerHour: config.RATE_LIMIT_INGEST_PER_HOUR,
        anonymousPerHour: config.RATE_LIMIT_ANONYMOUS_PER_HOUR,
      },
      operator: new OperatorToken(config.OPERATOR_API_TOKEN),
      accessDenied: (context: RequestContext, resource: { type: string; id: string }) => {
        client.call(auditAccessSubjects.record, { kind: 'access_denied', resource }, context).catch((err: unknown) => {
          logger.warn(
            { err: err instanceof Error ? err.message : String(err), resource: resource.type },
            'could not record a denied access',
          );
        });
      },
    };
    return {
      module: IdentityModule,
      global: true,
      providers: [
        { provide: APP_GUARD, inject: [Reflector], useFactory: (reflector: Reflector) => new IdentityGuard(reflector, identity) },
        { provide: ResourceOwners, useValue: owners },
        {
          provide: CacheInvalidationListener,
          useFactory: () => new CacheInvalidationListener(deps.nats, config.NATS_PREFIX, identity.apiKeys, identity.access, logger),
        },
        { provide: AccessResolver, useValue: identity.access },
        { provide: CallerCountFlush, useFactory: () => new CallerCountFlush(identity.callers) },
      ],
      exports: [ResourceOwners, AccessResolver],
    };
  }
}
