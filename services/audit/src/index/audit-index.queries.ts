import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  AuditErrorCode,
  parseRfc3339,
  type AuditEntryList,
  type AuditEntryView,
  type AuditFieldChange,
  type RequestContext,
  type ListAuditEntriesRequest,
} from '@llmlab/contracts';
import { FieldErrors, type OrganizationScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import { AccessLogRecorder } from '../access/access-log.recorder';
import { AuditError } from '../transparency/transparency.errors';
import { MemberNamesClient } from './member-names.client';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const MAX_FILTER = 256;

interface EntryRow {
  position: string;
  event_id: string;
  type: string;
  recorded_at: Date;
  project_id: string | null;
  actor_type: string;
  actor_id: string;
  resource_type: string | null;
  resource_id: string | null;
  correlation_id: string | null;
  ip: string | null;
  user_agent: string | null;
  summary: string;
  changes: AuditFieldChange[] | null;
}

/** Opaque to clients: base64url of `{"v":1,"p":<position>}`, the last entry of the page (newest first). */
export function encodeEntryCursor(position: number): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position })).toString('base64url');
}

export function decodeEntryCursor(text: string): number | undefined {
  try {
    const { v, p } = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { v?: unknown; p?: unknown };
    return v === 1 && Number.isSafeInteger(p) && (p as number) > 0 ? (p as number) : undefined;
  } catch {
    return undefined;
  }
}

/** The organization's audit log, newest first, filtered, with actors' names resolved at read time. */
@Injectable()
export class AuditIndexQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly names: MemberNamesClient,
    private readonly accessLog: AccessLogRecorder,
  ) {}

  /** A page of the log; the query itself is recorded first (bounded: see AccessLogRecorder). */
  async list(scope: OrganizationScope, request: ListAuditEntriesRequest, ctx: RequestContext): Promise<AuditEntryList> {
    const errors = new FieldErrors();
    const limit = request.limit ?? DEFAULT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) errors.add('/limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    for (const field of ['actor', 'type', 'resourceType', 'resourceId'] as const) {
      const value = request[field];
      if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > MAX_FILTER)) {
        errors.add(`/${field}`, `must be a text of 1 to ${MAX_FILTER} characters`);
      }
    }
    const from = request.from === undefined ? undefined : parseRfc3339(request.from);
    const to = request.to === undefined ? undefined : parseRfc3339(request.to);
    if (request.from !== undefined && from === undefined) errors.add('/from', 'must be an RFC 3339 date-time');
    if (request.to !== undefined && to === undefined) errors.add('/to', 'must be an RFC 3339 date-time');
    if (from !== undefined && to !== undefined && to <= from) errors.add('/to', 'must be after from');
    const before = request.cursor === undefined ? undefined : decodeEntryCursor(request.cursor);
    if (request.cursor !== undefined && before === undefined)
      errors.add('/cursor', 'is not a cursor this API handed out: start again without it');
    if (!errors.empty) throw new AuditError(AuditErrorCode.Invalid, errors.message(), errors.errors);
    const filters = Object.fromEntries(
      (['actor', 'type', 'resourceType', 'resourceId', 'from', 'to'] as const)
        .filter((f) => request[f] !== undefined)
        .map((f) => [f, String(request[f])]),
    );
    await this.accessLog.queried(scope, ctx, filters);

    const { rows } = await this.pool.query<EntryRow>(
      `SELECT position, event_id, type, recorded_at, project_id, actor_type, actor_id, resource_type, resource_id,
              correlation_id, ip, user_agent, summary, changes
       FROM audit.entries
       WHERE organization_id = $1
         AND ($2::bigint IS NULL OR position < $2)
         AND ($3::text IS NULL OR actor_id = $3)
         AND ($4::text IS NULL OR type = $4)
         AND ($5::text IS NULL OR resource_type = $5)
         AND ($6::text IS NULL OR resource_id = $6)
         AND ($7::timestamptz IS NULL OR recorded_at >= $7)
         AND ($8::timestamptz IS NULL OR recorded_at < $8)
       ORDER BY position DESC
       LIMIT $9`,
      [
        scope.organizationId,
        before ?? null,
        request.actor ?? null,
        request.type ?? null,
        request.resourceType ?? null,
        request.resourceId ?? null,
        from === undefined ? null : new Date(from),
        to === undefined ? null : new Date(to),
        limit + 1,
      ],
    );
    const page = rows.slice(0, limit);
    const names = page.some((r) => r.actor_type === 'user') ? await this.names.names(scope, ctx.correlationId) : new Map<string, string>();
    return {
      data: page.map((r) => toView(r, names)),
      nextCursor: rows.length > limit ? encodeEntryCursor(Number(page[page.length - 1].position)) : null,
    };
  }
}

function toView(r: EntryRow, names: ReadonlyMap<string, string>): AuditEntryView {
  return {
    position: Number(r.position),
    eventId: r.event_id,
    type: r.type,
    recordedAt: r.recorded_at.toISOString(),
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_type === 'user' ? (names.get(r.actor_id) ?? null) : null },
    resource: r.resource_type && r.resource_id ? { type: r.resource_type, id: r.resource_id } : null,
    projectId: r.project_id,
    correlationId: r.correlation_id,
    ip: r.ip,
    userAgent: r.user_agent,
    summary: r.summary,
    changes: r.changes,
  };
}
