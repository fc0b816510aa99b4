import { AUTH_CACHE_INVALIDATED_SUBJECT, authCacheKeys, type AuthCacheInvalidated, type AuthEvent } from '@llmlab/contracts';
import { natsSubject } from '@llmlab/messaging';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Redis } from 'ioredis';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { assertUnreachable } from '@llmlab/domain';

type Queryable = Pick<Pool | PoolClient, 'query'>;

/**
 * The gateway caches who may do what (a user's access, the keys behind a prefix) in Redis and in memory. When
 * an event changes that answer (a key revoked or created, a member added, removed or given another role, a
 * project archived, the organization's rate limits changed) its Redis entries are deleted and `auth.cache.invalidated` is published on core NATS, which
 * every gateway replica receives (no queue group) and drops its in-memory copies on: a revoked key or a removed
 * member stops working everywhere at once, however long the cache lifetimes are.
 */
export class CacheInvalidation {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly nats?: NatsConnection,
  ) {}

  /** The cache entries `event` makes stale, found in `db` as it is once the event is applied. */
  async staleKeys(db: Queryable, event: AuthEvent): Promise<string[]> {
    const ns = this.namespace;
    switch (event.type) {
      case 'MemberAdded':
      case 'MemberRoleChanged':
      case 'MemberRemoved':
        return [authCacheKeys.access(ns, event.data.userId)];
      case 'OrganizationUpdated':
      case 'OrganizationRateLimitsChanged': {
        if (!event.data.rateLimits) return [];
        // Every member's access and every key carry the organization's limits: all of them are stale.
        const [members, keys] = await Promise.all([
          db.query<{ user_id: string }>(`SELECT user_id FROM auth.memberships WHERE organization_id = $1`, [event.data.organizationId]),
          db.query<{ prefix: string }>(`SELECT prefix FROM auth.api_keys WHERE organization_id = $1`, [event.data.organizationId]),
        ]);
        return [
          ...members.rows.map((r) => authCacheKeys.access(ns, r.user_id)),
          ...keys.rows.map((r) => authCacheKeys.apiKeyPrefix(ns, r.prefix)),
        ];
      }
      case 'ApiKeyCreated':
      case 'ApiKeyRevoked':
        return [authCacheKeys.apiKeyPrefix(ns, event.data.prefix)];
      case 'UserErased':
        return [authCacheKeys.access(ns, event.data.userId)];
      case 'OrganizationClosed': {
        // Its keys stop authenticating (lookupApiKey skips closed organizations), its only member loses access.
        const keys = await db.query<{ prefix: string }>(`SELECT prefix FROM auth.api_keys WHERE organization_id = $1`, [
          event.data.organizationId,
        ]);
        return [authCacheKeys.access(ns, event.data.closedBy), ...keys.rows.map((r) => authCacheKeys.apiKeyPrefix(ns, r.prefix))];
      }
      case 'ProjectArchived': {
        const keys = await db.query<{ prefix: string }>(`SELECT prefix FROM auth.api_keys WHERE project_id = $1`, [event.data.projectId]);
        return keys.rows.map((r) => authCacheKeys.apiKeyPrefix(ns, r.prefix));
      }
      case 'EmailClaimed':
      case 'EmailReleased':
      case 'UserLoginFailed':
      case 'UserLoggedIn':
      case 'UserRegistered':
      case 'EmailVerified':
      case 'OrganizationCreated':
      case 'MemberInvited':
      case 'InvitationAccepted':
      case 'InvitationRevoked':
      case 'ProjectCreated':
      case 'ProjectUpdated':
      case 'SessionStarted':
      case 'SessionRefreshed':
      case 'SessionRevoked':
      case 'SigningKeyRotated':
        return [];
      default:
        return assertUnreachable(event);
    }
  }

  async drop(keys: string[]): Promise<void> {
    if (!keys.length) return;
    try {
      await this.redis.del(...keys);
    } catch (err) {
      // The entries then live out their Redis TTL: later than promised, so say so loudly.
      this.logger.error({ err: (err as Error).message, keys: keys.length }, 'could not invalidate identity cache entries');
    }
    try {
      const message: AuthCacheInvalidated = { keys };
      this.nats?.publish(natsSubject(AUTH_CACHE_INVALIDATED_SUBJECT, this.namespace), JSON.stringify(message));
    } catch (err) {
      // The gateways' memory then keeps its copies for IDENTITY_MEMORY_CACHE_MS.
      this.logger.error({ err: (err as Error).message, keys: keys.length }, 'could not broadcast the identity cache invalidation');
    }
  }
}
