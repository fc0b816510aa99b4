import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  auditStreams,
  type AccessRecorded,
  type AuditEvent,
  type AuditLogExportedData,
  type AuditLogQueriedData,
  type EventMetadata,
  type RequestContext,
} from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import {
  EVENT_STORE,
  LOGGER,
  REDIS,
  SERVICE_CONFIG,
  startPollingLoop,
  type BackgroundWorker,
  type DomainServiceConfig,
  type PollingLoopHandle,
} from '@llmlab/service-kit';

/** One occurrence of each kind per actor and organization is recorded per window; the others are counted. */
const WINDOW_SECONDS = 60;
/** Held-back counts outlive a quiet spell this long (the flush reports them well before). */
const COUNT_TTL_SECONDS = 86_400;
/** How often held-back counts whose window closed are looked for. */
const FLUSH_INTERVAL_MS = 15_000;

// Atomically, for a gate whose window closed with occurrences held back: open a new window (as an occurrence would),
// take the count and the last occurrence's facts, and strike the gate from the pending set. Answers {count, latest},
// {0, ''} when nothing was held, or {-1, ''} while the window is still open (the gate stays pending).
const TAKE_HELD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1, ''} end
redis.call('SREM', KEYS[4], KEYS[1])
local n = tonumber(redis.call('GETDEL', KEYS[2]) or '0')
local latest = redis.call('GETDEL', KEYS[3]) or ''
if n == 0 then return {0, ''} end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return {n, latest}`;

/** The last occurrence held back: what its event will say if no later one reports the count. */
interface HeldOccurrence {
  facts: Record<string, unknown>;
  metadata: EventMetadata;
  at: string;
}

type AccessEvent = Exclude<AuditEvent, { type: 'AuditIntegrityViolated' }>;
type Facts<E extends AccessEvent> = Omit<E['data'], 'organizationId' | 'count' | 'at'>;

/**
 * Appends the organization's security events (stream `audit.access-<organizationId>`), bounded so that no caller can
 * flood the store: the first occurrence of a kind by an actor in a minute is appended, the next ones in that minute
 * are only counted (Redis), and the next appended event carries that count. A burst that simply stops is not left
 * untold: every 15 s the recorder appends, for each window that closed with occurrences held back, one event with
 * their count and the last one's facts. The metadata names the actor, IP, user agent and correlation id, as for
 * every event.
 */
@Injectable()
export class AccessLogRecorder implements BackgroundWorker {
  readonly name = 'security event flush';
  private readonly prefix: string;
  /** The gates holding occurrences back: what the flush looks at (never a scan of the whole Redis). */
  private readonly pending: string;
  private loop?: PollingLoopHandle;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: DomainServiceConfig,
  ) {
    this.prefix = `${config.NATS_PREFIX}:audit-access`;
    this.pending = `${this.prefix}:pending`;
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
    const metadata: EventMetadata = {
      actor,
      organizationId: scope.organizationId,
      projectId: ctx.projectId,
      correlationId: ctx.correlationId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    };
    const at = new Date().toISOString();
    if (opened === null) {
      const latest: HeldOccurrence = { facts: what.facts as Record<string, unknown>, metadata, at };
      await this.redis
        .multi()
        .incr(`${gate}:held`)
        .expire(`${gate}:held`, COUNT_TTL_SECONDS)
        .set(`${gate}:latest`, JSON.stringify(latest), 'EX', COUNT_TTL_SECONDS)
        .sadd(this.pending, gate)
        .exec();
      return { recorded: false };
    }
    const [held] = await Promise.all([this.redis.getdel(`${gate}:held`), this.redis.del(`${gate}:latest`)]);
    await this.append(what.type, { organizationId: scope.organizationId, ...what.facts, count: Number(held ?? 0) + 1, at }, metadata);
    return { recorded: true };
  }

  /**
   * Appends one event for each window that closed with occurrences held back: their count, and the facts, time and
   * request of the last one. Atomic per gate in Redis, so replicas flushing at once report each count once.
   */
  async flushHeld(): Promise<number> {
    let flushed = 0;
    let cursor = '0';
    do {
      const [next, gates] = await this.redis.sscan(this.pending, cursor, 'COUNT', 500);
      cursor = next;
      for (const gate of gates) {
        const [count, latest] = (await this.redis.eval(
          TAKE_HELD,
          4,
          gate,
          `${gate}:held`,
          `${gate}:latest`,
          this.pending,
          WINDOW_SECONDS,
        )) as [number, string];
        if (count <= 0) continue;
        const [organizationId, type] = gate.slice(this.prefix.length + 1).split(':');
        const occurrence = latest ? (JSON.parse(latest) as HeldOccurrence) : undefined;
        if (!occurrence) {
          // Its facts expired with a day's quiet: the count alone is not an event the log can describe.
          this.logger.warn({ organizationId, type, count }, 'audit: held security events without their facts dropped');
          continue;
        }
        await this.append(
          type as AccessEvent['type'],
          { organizationId, ...occurrence.facts, count, at: occurrence.at },
          occurrence.metadata,
        );
        flushed++;
      }
    } while (cursor !== '0');
    return flushed;
  }

  async start(): Promise<void> {
    this.loop = startPollingLoop({
      round: async () => {
        await this.flushHeld();
        return false;
      },
      intervalMs: FLUSH_INTERVAL_MS,
      logger: this.logger,
      failureMessage: 'audit: flushing held security events failed; retrying',
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  private async append(
    type: AccessEvent['type'],
    data: Record<string, unknown> & { organizationId: string; count: number },
    metadata: EventMetadata,
  ) {
    await this.store.appendToStream(auditStreams.access(data.organizationId), [{ type, data, metadata }], { expectedRevision: 'any' });
    this.logger.info({ type, organizationId: data.organizationId, count: data.count }, 'audit: security event recorded');
  }
}
