import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { auditAccessSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { assertUnreachable, organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { AccessLogRecorder } from './access-log.recorder';
import { DeniedAccessOwner } from './denied-access.owner';

@Controller()
export class AccessLogController {
  constructor(
    private readonly recorder: AccessLogRecorder,
    private readonly deniedOwner: DeniedAccessOwner,
  ) {}

  @MessagePattern(s.record.subject)
  record(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.record>>) {
    return handleRequest(s.record, envelope, async (p, ctx) => {
      switch (p.kind) {
        case 'access_denied': {
          const owner = await this.deniedOwner.of(ctx, p.resource);
          return owner ? this.recorder.record(owner, ctx, { type: 'AccessDenied', facts: { resource: p.resource } }) : { recorded: false };
        }
        case 'usage_exported':
          return this.recorder.record(organizationScope(ctx), ctx, {
            type: 'UsageExported',
            facts: { projectId: p.projectId, format: p.format, from: p.from, to: p.to },
          });
        default:
          return assertUnreachable(p);
      }
    });
  }
}
