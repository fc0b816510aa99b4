import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ingestionSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { UsageImportHandler } from './usage-import.handler';

@Controller()
export class UsageImportController {
  constructor(private readonly imports: UsageImportHandler) {}

  @MessagePattern(s.startUsageImport.subject)
  start(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.startUsageImport>>) {
    return handleRequest(s.startUsageImport, envelope, (p, ctx) => this.imports.start(p, ctx));
  }

  @MessagePattern(s.usageImport.subject)
  view(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.usageImport>>) {
    return handleRequest(s.usageImport, envelope, (p, ctx) => this.imports.view(p, ctx));
  }

  @MessagePattern(s.usageImportOwner.subject)
  owner(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.usageImportOwner>>) {
    return handleRequest(s.usageImportOwner, envelope, (p) => this.imports.owner(p));
  }
}
