import { Injectable } from '@nestjs/common';
import type { BudgetList, BudgetStatusView, BudgetView } from '@llmlab/contracts';
import { RuleEvaluator } from '../evaluation/rule-evaluator';
import { publicScope } from '../spend/scope';
import { budgetNotFound } from './budget.errors';
import { BudgetRepository, type BudgetRecord } from './budget.repository';
import { type OrganizationScope, isUuid } from '@llmlab/domain';

export function budgetView(record: BudgetRecord, current: BudgetStatusView): BudgetView {
  return {
    id: record.id,
    organizationId: record.organizationId,
    name: record.name,
    scope: publicScope(record.scope),
    period: record.period,
    amount: record.amount,
    thresholds: record.thresholds,
    timeZone: record.timeZone,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    revision: record.revision,
    current,
  };
}

/** Budgets with their live figures, computed from the service's own aggregates when they are read. */
@Injectable()
export class BudgetQueries {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly evaluator: RuleEvaluator,
  ) {}

  async list(tenant: OrganizationScope): Promise<BudgetList> {
    const now = new Date();
    const records = await this.budgets.active(tenant);
    return { data: await Promise.all(records.map(async (r) => budgetView(r, await this.evaluator.budgetStatus(tenant, r, now)))) };
  }

  async get(tenant: OrganizationScope, budgetId: string): Promise<BudgetView> {
    const record = isUuid(budgetId) ? await this.budgets.find(tenant, budgetId) : undefined;
    if (!record) throw budgetNotFound();
    return budgetView(record, await this.evaluator.budgetStatus(tenant, record, new Date()));
  }
}
