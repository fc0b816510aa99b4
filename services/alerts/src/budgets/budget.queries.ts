import { Injectable } from '@nestjs/common';
import type { BudgetList, BudgetStatusView, BudgetView, EnforcedBudgets, EnforcedBudgetView } from '@llmlab/contracts';
import { RuleEvaluator } from '../evaluation/rule-evaluator';
import { publicScope } from '../spend/scope';
import { budgetNotFound } from './budget.errors';
import { BudgetRepository, type BudgetRecord } from './budget.repository';
import { type OrganizationScope, type ProjectScope, isUuid } from '@llmlab/domain';

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
    enforce: record.enforce,
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

  /** The enforced budgets covering the project's calls, with the spend of their current period (the proxy asks). */
  async enforced(tenant: ProjectScope): Promise<EnforcedBudgets> {
    const now = new Date();
    const records = await this.budgets.enforced(tenant);
    const budgets = await Promise.all(
      records.map(async (r): Promise<EnforcedBudgetView | undefined> => {
        if (r.scope.type === 'end_user') return undefined;
        const { spent, periodEnd } = await this.evaluator.periodSpend(tenant, r, now);
        return { budgetId: r.id, name: r.name, scope: r.scope, amount: r.amount, spent, periodEnd: periodEnd.toISOString() };
      }),
    );
    return { budgets: budgets.filter((b): b is EnforcedBudgetView => b !== undefined) };
  }

  async get(tenant: OrganizationScope, budgetId: string): Promise<BudgetView> {
    const record = isUuid(budgetId) ? await this.budgets.find(tenant, budgetId) : undefined;
    if (!record) throw budgetNotFound();
    return budgetView(record, await this.evaluator.budgetStatus(tenant, record, new Date()));
  }
}
