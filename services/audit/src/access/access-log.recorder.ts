import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  auditStreams,
  type AccessRecorded,
  type AuditEvent,
  type AuditLogExportedData,
  type AuditLogQueriedData,
  type RequestContext,
} from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE, LOGGER, REDIS, SERVICE_CONFIG, type DomainServiceConfig } from '@llmlab/service-kit';

/** One occurrence of each kind per actor and organization is recorded per window; the others are counted. */
const WINDOW_SECONDS = 60;
/** Held-back counts outlive a quiet spell this long, to be reported by the next event. */
const COUNT_TTL_SECONDS = 86_400;

type AccessEvent = Exclude<AuditEvent, { type: 'AuditIntegrityViolated' }>;
type Facts<E extends AccessEvent> = Omit<E['data'], 'organizationId' | 'count' | 'at'>;

/**
 * Appends the organization's security events (stream `audit.access-<organizationId>`), bounded so that no caller can
 * flood the store: the first occurrence of a kind by an actor in a minute is appended, the next ones in that minute
 * are only counted (Redis), and the next appended event carries that count. The metadata names the actor, IP, user
 * agent and correlation id, as for every event.
 */
@Injectable()
export class AccessLogRecorder {
  private readonly prefix: string;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: DomainServiceConfig,
  ) {
    this.prefix = `${config.NATS_PREFIX}:audit-access`;
  }

  queried(scope: OrganizationScope, ctx: RequestContext, filters: AuditLogQueriedData['filters']): Promise<AccessRecorded> {
    return this.record(scope, ctx, { type: 'AuditLogQueried', facts: { filters } });
  }

  exported(
    scope: OrganizationScope,
    ctx: RequestContext,
    facts: Omit<AuditLogExportedData, 'organizationId' | 'count' | 'at'>,
  ): Promise<AccessRecorded> {
    return this.record(scope, ctx, { type: 'AuditLogExported', facts });
  }

  async record<E extends AccessEvent>(
    scope: OrganizationScope,
    ctx: RequestContext,
    what: { type: E['type']; facts: Facts<E> },
  ): Promise<AccessRecorded> {
    const actor = ctx.actor ?? { type: 'system' as const, id: 'unknown' };
    const gate = `${this.prefix}:${scope.organizationId}:${what.type}:${actor.type}:${actor.id}`;
    const opened = await this.redis.set(gate, '1', 'EX', WINDOW_SECONDS, 'NX');
    if (opened === null) {
      await this.redis.multi().incr(`${gate}:held`).expire(`${gate}:held`, COUNT_TTL_SECONDS).exec();
      return { recorded: false };
    }
    const held = Number((await this.redis.getdel(`${gate}:held`)) ?? 0);
    const data = { organizationId: scope.organizationId, ...what.facts, count: held + 1, at: new Date().toISOString() };
    await this.store.appendToStream(
      auditStreams.access(scope.organizationId),
      [
        {
          type: what.type,
          data,
          metadata: {
            actor,
            organizationId: scope.organizationId,
            projectId: ctx.projectId,
            correlationId: ctx.correlationId,
            ip: ctx.ip,
            userAgent: ctx.userAgent,
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    this.logger.info({ type: what.type, organizationId: scope.organizationId, count: data.count }, 'audit: security event recorded');
    return { recorded: true };
  }
}
