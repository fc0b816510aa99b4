import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { alertsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { OwnerQueries } from './owner.queries';

@Controller()
export class OwnerController {
  constructor(private readonly owners: OwnerQueries) {}

  @MessagePattern(s.resolveOwner.subject)
  resolve(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.resolveOwner>>) {
    return handleRequest(s.resolveOwner, envelope, (p) => this.owners.resolve(p));
  }
}
