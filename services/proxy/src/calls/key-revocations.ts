import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { subscribeToAuthCacheInvalidations, type ApiKeyAuthenticator } from '@llmlab/api-keys';
import type { ServiceRuntime } from '@llmlab/service-kit';
import type { Subscription } from '@nats-io/nats-core';

/**
 * Revocation reaches the proxy as it reaches every gateway: on `auth.cache.invalidated` this process forgets the
 * revoked key's prefix at once, rather than after `IDENTITY_MEMORY_CACHE_MS`.
 */
export class KeyRevocations implements OnModuleInit, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  onModuleInit(): void {
    const { nats, config, logger } = this.runtime;
    this.subscription = subscribeToAuthCacheInvalidations(
      nats,
      config.NATS_PREFIX,
      (entry) => entry.kind === 'api-key-prefix' && this.authenticator.forgetPrefix(entry.prefix),
      logger,
    );
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
