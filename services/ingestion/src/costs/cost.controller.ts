import { ingestionSubjects as s, type RequestContext, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { organizationScope, projectScope, type OrganizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CostQueries } from './cost.queries';
import { RecordedSpendQueries } from './recorded-spend.queries';

/** A project route's context names its project; an organization route's names none: the whole organization. */
function costScope(context: RequestContext): OrganizationScope {
  return context.projectId !== undefined ? projectScope(context) : organizationScope(context);
}

@Controller()
export class CostController {
  constructor(
    private readonly costs: CostQueries,
    private readonly spend: RecordedSpendQueries,
  ) {}

  @MessagePattern(s.costSummary.subject)
  summary(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.costSummary>>) {
    return handleRequest(s.costSummary, envelope, (p, ctx) => this.costs.summary(costScope(ctx), p));
  }

  @MessagePattern(s.costBreakdown.subject)
  breakdown(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.costBreakdown>>) {
    return handleRequest(s.costBreakdown, envelope, (p, ctx) => this.costs.breakdown(costScope(ctx), p));
  }

  @MessagePattern(s.recordedSpend.subject)
  recordedSpend(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.recordedSpend>>) {
    return handleRequest(s.recordedSpend, envelope, (p, ctx) => this.spend.page(organizationScope(ctx), p));
  }
}
