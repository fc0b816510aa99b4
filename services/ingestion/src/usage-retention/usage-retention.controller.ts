import { ingestionSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { UsageRetentionHandler } from './usage-retention.handler';

/** How long the context's organization keeps its usage detail. */
@Controller()
export class UsageRetentionController {
  constructor(private readonly retention: UsageRetentionHandler) {}

  @MessagePattern(s.usageRetention.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.usageRetention>>) {
    return handleRequest(s.usageRetention, envelope, (_p, ctx) => this.retention.get(ctx));
  }

  @MessagePattern(s.updateUsageRetention.subject)
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateUsageRetention>>) {
    return handleRequest(s.updateUsageRetention, envelope, (p, ctx) => this.retention.update(p, ctx));
  }
}
