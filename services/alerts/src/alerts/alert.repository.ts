import { Injectable } from '@nestjs/common';
import type { AlertKind, AlertNotificationData, AlertState, BudgetScope } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';
import { scopeFromColumns } from '../spend/scope';
import { type OrganizationScope } from '@llmlab/domain';

/** A fired alert as the evaluator needs it. */
export interface AlertRecord {
  id: string;
  kind: AlertKind;
  ruleKey: string;
  state: AlertState;
  budgetId: string | null;
  scope: BudgetScope;
  periodKey: string;
  periodStart: Date;
  periodEnd: Date;
  threshold: number | null;
  notification: AlertNotificationData;
}

/** The evaluator's reads of fired alerts. */
@Injectable()
export class AlertRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Alerts still open, and those whose period has not ended: what the rules must not fire again. */
  async current(tenant: OrganizationScope, now: Date): Promise<AlertRecord[]> {
    const rows = await this.prisma.alert.findMany({
      where: { organizationId: tenant.organizationId, OR: [{ state: { not: 'resolved' } }, { periodEnd: { gt: now } }] },
    });
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as AlertKind,
      ruleKey: r.ruleKey,
      state: r.state as AlertState,
      budgetId: r.budgetId,
      scope: scopeFromColumns(r),
      periodKey: r.periodKey,
      periodStart: r.periodStart,
      periodEnd: r.periodEnd,
      threshold: r.threshold,
      notification: r.notification as unknown as AlertNotificationData,
    }));
  }

  /** Organizations with alerts that are not resolved: the tick looks at them even without new usage. */
  async organizationsWithOpenAlerts(): Promise<string[]> {
    const rows = await this.prisma.alert.findMany({
      where: { state: { not: 'resolved' } },
      distinct: ['organizationId'],
      select: { organizationId: true },
    });
    return rows.map((r) => r.organizationId);
  }
}
