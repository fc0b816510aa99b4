import { Injectable } from '@nestjs/common';
import {
  ALERT_KINDS,
  ALERT_STATES,
  type AlertKind,
  type AlertList,
  type AlertNotificationData,
  type AlertResolution,
  type AlertScopeView,
  type AlertState,
  type AlertView,
  type ChannelType,
  type DeliveryAttemptOutcome,
  type DeliveryList,
  type DeliveryState,
  type ListAlertsRequest,
  AlertErrorCode,
} from '@llmlab/contracts';
import type { Prisma } from '../generated/prisma/client';
import { PrismaClient } from '../read-models/prisma';
import { scopeFromColumns } from '../spend/scope';
import { AlertError, alertNotFound } from './alert.errors';
import { type OrganizationScope, FieldErrors, isUuid } from '@llmlab/domain';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

type AlertRow = Awaited<ReturnType<PrismaClient['alert']['findFirstOrThrow']>>;

function scopeView(row: AlertRow, notification: AlertNotificationData): AlertScopeView {
  const scope = scopeFromColumns(row);
  const base = { type: scope.type, description: notification.scope.description };
  switch (scope.type) {
    case 'project':
      return { ...base, projectId: scope.projectId };
    case 'tag':
      return { ...base, tag: { key: scope.key, value: scope.value } };
    case 'end_user':
      return { ...base, userId: scope.userId };
    default:
      return base;
  }
}

function alertView(row: AlertRow): AlertView {
  const notification = row.notification as unknown as AlertNotificationData;
  return {
    id: row.id,
    organizationId: row.organizationId,
    kind: row.kind as AlertKind,
    state: row.state as AlertState,
    budgetId: row.budgetId,
    scope: scopeView(row, notification),
    firedAt: row.firedAt.toISOString(),
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: row.acknowledgedBy,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    resolution: row.resolution as AlertResolution | null,
    notification,
    revision: row.revision,
  };
}

/** `<firedAt ISO>|<id>` of the last alert of a page, base64url: the next page starts after it. */
function encodeCursor(row: AlertRow): string {
  return Buffer.from(`${row.firedAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { firedAt: Date; id: string } | undefined {
  const [firedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(firedAt ?? '');
  return Number.isNaN(at.getTime()) || !isUuid(id ?? '') ? undefined : { firedAt: at, id };
}

function instant(errors: FieldErrors, field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(at.getTime())) errors.add(field, 'must be an RFC 3339 instant');
  return at;
}

/** Fired alerts and their deliveries, always within the caller's organization. */
@Injectable()
export class AlertQueries {
  constructor(private readonly prisma: PrismaClient) {}

  async list(tenant: OrganizationScope, request: ListAlertsRequest): Promise<AlertList> {
    const errors = new FieldErrors();
    if (request.state !== undefined && !ALERT_STATES.includes(request.state))
      errors.add('/state', `must be one of ${ALERT_STATES.join(', ')}`);
    if (request.kind !== undefined && !ALERT_KINDS.includes(request.kind)) errors.add('/kind', `must be one of ${ALERT_KINDS.join(', ')}`);
    if (request.budgetId !== undefined && !isUuid(request.budgetId)) errors.add('/budgetId', 'must be a budget id (UUID)');
    const from = instant(errors, '/from', request.from);
    const to = instant(errors, '/to', request.to);
    const limit = request.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) errors.add('/limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    const cursor = request.cursor === undefined ? undefined : decodeCursor(String(request.cursor));
    if (request.cursor !== undefined && !cursor) errors.add('/cursor', 'is not a cursor this query handed out');
    if (!errors.empty) throw new AlertError(AlertErrorCode.InvalidQuery, errors.message(), errors.errors);

    const where: Prisma.AlertWhereInput = {
      organizationId: tenant.organizationId,
      ...(request.state ? { state: request.state } : {}),
      ...(request.kind ? { kind: request.kind } : {}),
      ...(request.budgetId ? { budgetId: request.budgetId } : {}),
      firedAt: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) },
      ...(cursor ? { OR: [{ firedAt: { lt: cursor.firedAt } }, { firedAt: cursor.firedAt, id: { lt: cursor.id } }] } : {}),
    };
    const rows = await this.prisma.alert.findMany({ where, orderBy: [{ firedAt: 'desc' }, { id: 'desc' }], take: limit + 1 });
    const page = rows.slice(0, limit);
    return { data: page.map(alertView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }

  async get(tenant: OrganizationScope, alertId: string): Promise<AlertView> {
    return alertView(await this.row(tenant, alertId));
  }

  /** The deliveries of one alert, one per channel, each with its log of attempts. */
  async deliveries(tenant: OrganizationScope, alertId: string): Promise<DeliveryList> {
    await this.row(tenant, alertId);
    const deliveries = await this.prisma.delivery.findMany({
      where: { alertId, organizationId: tenant.organizationId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const attempts = await this.prisma.deliveryAttempt.findMany({
      where: { deliveryId: { in: deliveries.map((d) => d.id) } },
      orderBy: [{ at: 'asc' }, { attempt: 'asc' }],
    });
    return {
      data: deliveries.map((d) => ({
        id: d.id,
        alertId: d.alertId,
        channelId: d.channelId,
        channelType: d.channelType as ChannelType,
        channelName: d.channelName,
        state: d.state as DeliveryState,
        attempts: d.attempts,
        createdAt: d.createdAt.toISOString(),
        lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
        lastError: d.lastError,
        log: attempts
          .filter((a) => a.deliveryId === d.id)
          .map((a) => ({
            attempt: a.attempt,
            outcome: a.outcome as DeliveryAttemptOutcome,
            reason: a.reason,
            httpStatus: a.httpStatus,
            detail: a.detail,
            retryInMs: a.retryInMs,
            at: a.at.toISOString(),
          })),
      })),
    };
  }

  private async row(tenant: OrganizationScope, alertId: string): Promise<AlertRow> {
    const row = isUuid(alertId)
      ? await this.prisma.alert.findFirst({ where: { id: alertId, organizationId: tenant.organizationId } })
      : null;
    if (!row) throw alertNotFound();
    return row;
  }
}
