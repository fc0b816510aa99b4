import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { auditTransparencySubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { TransparencyQueries } from './transparency.queries';

@Controller()
export class TransparencyController {
  constructor(private readonly queries: TransparencyQueries) {}

  @MessagePattern(s.keys.subject)
  keys(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.keys>>) {
    return handleRequest(s.keys, envelope, () => this.queries.keys());
  }

  @MessagePattern(s.latestHead.subject)
  latestHead(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.latestHead>>) {
    return handleRequest(s.latestHead, envelope, () => this.queries.latestHead());
  }

  @MessagePattern(s.heads.subject)
  heads(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.heads>>) {
    return handleRequest(s.heads, envelope, (p) => this.queries.heads(p));
  }

  @MessagePattern(s.consistency.subject)
  consistency(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.consistency>>) {
    return handleRequest(s.consistency, envelope, (p) => this.queries.consistency(p));
  }

  @MessagePattern(s.inclusion.subject)
  inclusion(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.inclusion>>) {
    return handleRequest(s.inclusion, envelope, (p, ctx) => this.queries.inclusion(organizationScope(ctx), p));
  }

  @MessagePattern(s.integrity.subject)
  integrity(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.integrity>>) {
    return handleRequest(s.integrity, envelope, () => this.queries.integrityView());
  }

  @MessagePattern(s.exportPage.subject)
  exportPage(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.exportPage>>) {
    return handleRequest(s.exportPage, envelope, (p, ctx) => this.queries.exportPage(organizationScope(ctx), p, ctx));
  }
}
