import {
  ingestionSubjects,
  type CostBreakdownRequest,
  type CostSummaryRequest,
  type RequestEnvelope,
  type UsageRecordsRequest,
} from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CostQueries } from './cost.queries';

@Controller()
export class CostController {
  constructor(private readonly costs: CostQueries) {}

  @MessagePattern(ingestionSubjects.costSummary.subject)
  summary(@Payload() envelope: RequestEnvelope<CostSummaryRequest>) {
    return handleRequest(ingestionSubjects.costSummary, envelope, (p) => this.costs.summary(p));
  }

  @MessagePattern(ingestionSubjects.costBreakdown.subject)
  breakdown(@Payload() envelope: RequestEnvelope<CostBreakdownRequest>) {
    return handleRequest(ingestionSubjects.costBreakdown, envelope, (p) => this.costs.breakdown(p));
  }

  @MessagePattern(ingestionSubjects.usageRecords.subject)
  usageRecords(@Payload() envelope: RequestEnvelope<UsageRecordsRequest>) {
    return handleRequest(ingestionSubjects.usageRecords, envelope, (p) => this.costs.usageRecords(p));
  }
}
