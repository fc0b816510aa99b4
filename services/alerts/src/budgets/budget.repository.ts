import { Injectable } from '@nestjs/common';
import type { BudgetPeriod } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';
import { scopeFromColumns } from '../spend/scope';
import type { BudgetFacts } from './budget-status';
import { type OrganizationScope, type ProjectScope } from '@llmlab/domain';

export interface BudgetRecord extends BudgetFacts {
  createdAt: Date;
  updatedAt: Date;
  revision: number;
}

type BudgetRow = Awaited<ReturnType<PrismaClient['budget']['findFirstOrThrow']>>;

function record(row: BudgetRow): BudgetRecord {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    scope: scopeFromColumns(row),
    period: row.period as BudgetPeriod,
    amount: { amount: row.amount.toFixed(), currency: 'USD' },
    thresholds: row.thresholds,
    timeZone: row.timeZone,
    enforce: row.enforce,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    revision: row.revision,
  };
}

/** Budgets as the read model has them; deleted budgets are not found. */
@Injectable()
export class BudgetRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async active(tenant: OrganizationScope): Promise<BudgetRecord[]> {
    const rows = await this.prisma.budget.findMany({
      where: { organizationId: tenant.organizationId, deletedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(record);
  }

  async find(tenant: OrganizationScope, budgetId: string): Promise<BudgetRecord | undefined> {
    const row = await this.prisma.budget.findFirst({ where: { id: budgetId, organizationId: tenant.organizationId, deletedAt: null } });
    return row ? record(row) : undefined;
  }

  /** The enforced budgets that may cover a call of the project: the organization's, the project's, and tag budgets. */
  async enforced(tenant: ProjectScope): Promise<BudgetRecord[]> {
    const rows = await this.prisma.budget.findMany({
      where: {
        organizationId: tenant.organizationId,
        deletedAt: null,
        enforce: true,
        OR: [{ scopeType: 'organization' }, { scopeType: 'project', scopeId: tenant.projectId }, { scopeType: 'tag' }],
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(record);
  }

  count(tenant: OrganizationScope): Promise<number> {
    return this.prisma.budget.count({ where: { organizationId: tenant.organizationId, deletedAt: null } });
  }

  /** Organizations with at least one budget: the tick evaluates them even without new usage (forecasts move). */
  async organizations(): Promise<string[]> {
    const rows = await this.prisma.budget.findMany({
      where: { deletedAt: null },
      distinct: ['organizationId'],
      select: { organizationId: true },
    });
    return rows.map((r) => r.organizationId);
  }
}
