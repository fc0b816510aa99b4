import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { auditIndexSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { AuditIndexQueries } from './audit-index.queries';

@Controller()
export class AuditIndexController {
  constructor(private readonly queries: AuditIndexQueries) {}

  @MessagePattern(s.list.subject)
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.list>>) {
    return handleRequest(s.list, envelope, (p, ctx) => this.queries.list(organizationScope(ctx), p, ctx));
  }
}
