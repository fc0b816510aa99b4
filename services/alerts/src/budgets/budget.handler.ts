import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import {
  alertsStreams,
  type BudgetRef,
  type BudgetView,
  type CreateBudgetRequest,
  type RequestContext,
  type UpdateBudgetRequest,
} from '@llmlab/contracts';
import { metadataFromContext, CommandRunner } from '@llmlab/service-kit';
import { SettingsRepository } from '../settings/settings.repository';
import { actorId } from '../shared/actor-id';
import { WriteEffects } from '@llmlab/messaging';
import { budgetDecider } from './budget.decider';
import { budgetNotFound } from './budget.errors';
import { BudgetQueries } from './budget.queries';
import { BudgetRepository } from './budget.repository';
import { organizationScope, isUuid } from '@llmlab/domain';

@Injectable()
export class BudgetHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly budgets: BudgetRepository,
    private readonly settings: SettingsRepository,
    private readonly queries: BudgetQueries,
  ) {}

  async create(request: CreateBudgetRequest, context: RequestContext): Promise<BudgetView> {
    const tenant = organizationScope(context);
    const budgetId = uuidv7();
    const result = await this.runner.run(
      alertsStreams.budget(budgetId),
      budgetDecider,
      {
        type: 'CreateBudget',
        data: {
          budgetId,
          organizationId: tenant.organizationId,
          actorId: actorId(context),
          at: new Date().toISOString(),
          request,
          defaultTimeZone: (await this.settings.get(tenant)).timeZone,
          existingBudgets: await this.budgets.count(tenant),
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    return this.queries.get(tenant, budgetId);
  }

  async update(request: UpdateBudgetRequest, context: RequestContext): Promise<BudgetView> {
    const tenant = organizationScope(context);
    const { budgetId, expectedRevision, ...changes } = request;
    if (!isUuid(budgetId)) throw budgetNotFound();
    const result = await this.runner.run(
      alertsStreams.budget(budgetId),
      budgetDecider,
      {
        type: 'UpdateBudget',
        data: { organizationId: tenant.organizationId, actorId: actorId(context), at: new Date().toISOString(), changes },
      },
      { metadata: metadataFromContext(), expectedRevision },
    );
    await this.effects.settle(result.position);
    return this.queries.get(tenant, budgetId);
  }

  async delete(request: BudgetRef, context: RequestContext): Promise<Record<string, never>> {
    const tenant = organizationScope(context);
    if (!isUuid(request.budgetId)) throw budgetNotFound();
    const result = await this.runner.run(
      alertsStreams.budget(request.budgetId),
      budgetDecider,
      { type: 'DeleteBudget', data: { organizationId: tenant.organizationId, actorId: actorId(context), at: new Date().toISOString() } },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    return {};
  }
}
