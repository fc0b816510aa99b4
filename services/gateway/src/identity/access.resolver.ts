import { authCacheKeys, authSubjects, type AccessGrant } from '@llmlab/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ServiceReplyError } from '../http/problem';
import type { ServiceClient } from '../messaging/service-client';
import { TtlCache, type IdentityCacheSettings } from '@llmlab/api-keys';

export type AccessTarget = { organizationId: string } | { projectId: string };

/**
 * A user's role where a route points (an organization, or a project and so its organization), from memory,
 * Redis, or the auth service. "Not a member" and "does not exist" are the same null, cached the same way, so
 * probing other tenants' ids costs the auth service little. A membership change deletes the user's Redis
 * entry; memory keeps an answer for at most `memoryMs`.
 */
export class AccessResolver {
  private readonly memory: TtlCache<AccessGrant | null>;

  constructor(
    private readonly client: ServiceClient,
    private readonly redis: Redis,
    private readonly settings: IdentityCacheSettings,
    private readonly logger: Logger,
  ) {
    this.memory = new TtlCache(settings.memoryMs);
  }

  /** Drops what this replica remembers about the user's access. */
  forgetUser(userId: string): void {
    this.memory.deletePrefix(`${userId}|`);
  }

  async resolve(userId: string, target: AccessTarget, correlationId: string): Promise<AccessGrant | null> {
    const field = 'projectId' in target ? `project:${target.projectId}` : `org:${target.organizationId}`;
    const memoryKey = `${userId}|${field}`;
    const remembered = this.memory.get(memoryKey);
    if (remembered !== undefined) return remembered;

    const redisKey = authCacheKeys.access(this.settings.namespace, userId);
    let grant: AccessGrant | null | undefined;
    try {
      const cached = await this.redis.hget(redisKey, field);
      if (cached !== null) grant = JSON.parse(cached) as AccessGrant | null;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'access cache unavailable (Redis): asking the auth service');
    }
    if (grant === undefined) {
      const reply = await this.client.ask(authSubjects.resolveAccess, { userId, ...target }, { correlationId });
      if (!reply.ok) throw new ServiceReplyError(reply.error);
      grant = reply.data.grant;
      if (this.settings.redisMs > 0) {
        // The hash expires as a whole, counted from its first field: no entry outlives `redisMs`.
        await this.redis
          .multi()
          .hset(redisKey, field, JSON.stringify(grant))
          .pexpire(redisKey, this.settings.redisMs, 'NX')
          .exec()
          .catch(() => undefined);
      }
    }
    this.memory.set(memoryKey, grant);
    return grant;
  }
}
