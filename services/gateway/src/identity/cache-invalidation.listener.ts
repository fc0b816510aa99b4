import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { subscribeToAuthCacheInvalidations, type ApiKeyAuthenticator } from '@llmlab/api-keys';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { AccessResolver } from './access.resolver';

/**
 * Drops this gateway replica's in-memory copies of what the auth service just deleted from Redis (a revoked key, a
 * removed or re-roled member) on `auth.cache.invalidated`. So revocation does not wait for
 * `IDENTITY_MEMORY_CACHE_MS`; that lifetime only bounds a message this replica missed (while disconnected from NATS).
 */
export class CacheInvalidationListener implements OnModuleInit, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(
    private readonly nats: NatsConnection,
    private readonly namespace: string,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly access: AccessResolver,
    private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.subscription = subscribeToAuthCacheInvalidations(
      this.nats,
      this.namespace,
      (entry) => (entry.kind === 'access' ? this.access.forgetUser(entry.userId) : this.apiKeys.forgetPrefix(entry.prefix)),
      this.logger,
    );
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
