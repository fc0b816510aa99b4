import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { alertsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { BudgetHandler } from './budget.handler';
import { BudgetQueries } from './budget.queries';
import { organizationScope, projectScope } from '@llmlab/domain';

@Controller()
export class BudgetController {
  constructor(
    private readonly budgets: BudgetHandler,
    private readonly queries: BudgetQueries,
  ) {}

  @MessagePattern(s.createBudget.subject)
  create(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createBudget>>) {
    return handleRequest(s.createBudget, envelope, (p, ctx) => this.budgets.create(p, ctx));
  }

  @MessagePattern(s.updateBudget.subject)
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateBudget>>) {
    return handleRequest(s.updateBudget, envelope, (p, ctx) => this.budgets.update(p, ctx));
  }

  @MessagePattern(s.deleteBudget.subject)
  delete(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.deleteBudget>>) {
    return handleRequest(s.deleteBudget, envelope, (p, ctx) => this.budgets.delete(p, ctx));
  }

  @MessagePattern(s.listBudgets.subject)
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listBudgets>>) {
    return handleRequest(s.listBudgets, envelope, (_p, ctx) => this.queries.list(organizationScope(ctx)));
  }

  @MessagePattern(s.enforcedBudgets.subject)
  enforced(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.enforcedBudgets>>) {
    return handleRequest(s.enforcedBudgets, envelope, (_p, ctx) => this.queries.enforced(projectScope(ctx)));
  }

  @MessagePattern(s.getBudget.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getBudget>>) {
    return handleRequest(s.getBudget, envelope, (p, ctx) => this.queries.get(organizationScope(ctx), p.budgetId));
  }
}
