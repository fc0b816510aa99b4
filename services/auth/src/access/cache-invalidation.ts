import { authCacheKeys, type AuthEvent } from '@llmlab/contracts';
import type { Redis } from 'ioredis';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { assertUnreachable } from '@llmlab/domain';

type Queryable = Pick<Pool | PoolClient, 'query'>;

/**
 * The gateway caches who may do what (a user's access, the keys behind a prefix) in Redis for a few seconds
 * and in memory for less. When an event changes that answer its entries are deleted, so a revoked key or a
 * removed member stops working on every replica within the in-memory time.
 */
export class CacheInvalidation {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  /** The cache entries `event` makes stale, found in `db` as it is once the event is applied. */
  async staleKeys(db: Queryable, event: AuthEvent): Promise<string[]> {
    const ns = this.namespace;
    switch (event.type) {
      case 'MemberAdded':
      case 'MemberRoleChanged':
      case 'MemberRemoved':
        return [authCacheKeys.access(ns, event.data.userId)];
      case 'OrganizationUpdated': {
        if (!event.data.rateLimits) return [];
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
      case 'ProjectArchived': {
        const keys = await db.query<{ prefix: string }>(`SELECT prefix FROM auth.api_keys WHERE project_id = $1`, [event.data.projectId]);
        return keys.rows.map((r) => authCacheKeys.apiKeyPrefix(ns, r.prefix));
      }
      case 'EmailClaimed':
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
  }
}
