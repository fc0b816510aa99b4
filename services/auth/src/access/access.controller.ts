import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { AccessQueries } from './access.queries';

/** Answers the gateway: which role a user holds where a route points, and which keys share a prefix. */
@Controller()
export class AccessController {
  constructor(private readonly access: AccessQueries) {}

  @MessagePattern(s.resolveAccess.subject)
  resolve(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.resolveAccess>>) {
    return handleRequest(s.resolveAccess, envelope, (p) => this.access.resolve(p));
  }

  @MessagePattern(s.lookupApiKey.subject)
  lookup(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.lookupApiKey>>) {
    return handleRequest(s.lookupApiKey, envelope, (p) => this.access.lookupApiKey(p.prefix));
  }
}
