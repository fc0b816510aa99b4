import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AUTH_CACHE_INVALIDATED_SUBJECT, parseAuthCacheKey, type AuthCacheInvalidated } from '@llmlab/contracts';
import { natsSubject } from '@llmlab/messaging';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { AccessResolver } from './access.resolver';
import type { ApiKeyAuthenticator } from '@llmlab/api-keys';

/**
 * Listens on `auth.cache.invalidated` (core NATS, no queue group: every gateway replica gets each message) and
 * drops this replica's in-memory copies of what the auth service just deleted from Redis: a revoked key, a
 * removed or re-roled member. So revocation does not wait for `IDENTITY_MEMORY_CACHE_MS`; that lifetime only
 * bounds a message this replica missed (while disconnected from NATS).
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
    this.subscription = this.nats.subscribe(natsSubject(AUTH_CACHE_INVALIDATED_SUBJECT, this.namespace), {
      callback: (err, msg) => {
        if (err) return this.logger.warn({ err: err.message }, 'identity cache invalidations: subscription error');
        try {
          this.apply(msg.json<AuthCacheInvalidated>());
        } catch (e) {
          this.logger.warn({ err: (e as Error).message }, 'identity cache invalidations: unreadable message ignored');
        }
      },
    });
  }

  apply(message: AuthCacheInvalidated): void {
    for (const key of Array.isArray(message?.keys) ? message.keys : []) {
      const entry = typeof key === 'string' ? parseAuthCacheKey(this.namespace, key) : null;
      if (entry?.kind === 'access') this.access.forgetUser(entry.userId);
      else if (entry?.kind === 'api-key-prefix') this.apiKeys.forgetPrefix(entry.prefix);
    }
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
