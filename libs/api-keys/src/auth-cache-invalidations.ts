import { AUTH_CACHE_INVALIDATED_SUBJECT, parseAuthCacheKey, type AuthCacheInvalidated } from '@llmlab/contracts';
import { natsSubject } from '@llmlab/messaging';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';

/** What one key of an `auth.cache.invalidated` message names: a user's access, or an API key prefix. */
export type AuthCacheEntry = NonNullable<ReturnType<typeof parseAuthCacheKey>>;

/**
 * Listens on `auth.cache.invalidated` (core NATS, no queue group: every replica of every service that caches
 * identities gets each message) and hands each entry the auth service just deleted from Redis to `apply`, so a
 * revoked key or a removed member is dropped from this process's memory at once; the memory lifetime then only
 * bounds a message missed while disconnected from NATS.
 */
export function subscribeToAuthCacheInvalidations(
  nats: NatsConnection,
  namespace: string,
  apply: (entry: AuthCacheEntry) => void,
  logger: Logger,
): Subscription {
  return nats.subscribe(natsSubject(AUTH_CACHE_INVALIDATED_SUBJECT, namespace), {
    callback: (err, msg) => {
      if (err) return logger.warn({ err: err.message }, 'identity cache invalidations: subscription error');
      try {
        const message = msg.json<AuthCacheInvalidated>();
        for (const key of Array.isArray(message?.keys) ? message.keys : []) {
          const entry = typeof key === 'string' ? parseAuthCacheKey(namespace, key) : null;
          if (entry) apply(entry);
        }
      } catch (e) {
        logger.warn({ err: (e as Error).message }, 'identity cache invalidations: unreadable message ignored');
      }
    },
  });
}
