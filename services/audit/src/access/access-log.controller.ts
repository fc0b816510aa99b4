import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { auditAccessSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { assertUnreachable, organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { AccessLogRecorder } from './access-log.recorder';

@Controller()
export class AccessLogController {
  constructor(private readonly recorder: AccessLogRecorder) {}

  @MessagePattern(s.record.subject)
  record(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.record>>) {
    return handleRequest(s.record, envelope, (p, ctx) => {
      const scope = organizationScope(ctx);
      switch (p.kind) {
        case 'access_denied':
          return this.recorder.record(scope, ctx, { type: 'AccessDenied', facts: { resource: p.resource } });
        case 'usage_exported':
          return this.recorder.record(scope, ctx, {
            type: 'UsageExported',
            facts: { projectId: p.projectId, format: p.format, from: p.from, to: p.to },
          });
        default:
          return assertUnreachable(p);
      }
    });
  }
}
