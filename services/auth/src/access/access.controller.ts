import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { ApiKeyUsage } from '../api-keys/api-key-usage';
import { AccessQueries } from './access.queries';

/**
 * Answers the gateway: which role a user holds where a route points, and which keys share a prefix; and hears
 * from it when a key was used.
 */
@Controller()
export class AccessController {
  constructor(
    private readonly access: AccessQueries,
    private readonly usage: ApiKeyUsage,
  ) {}

  @MessagePattern(s.resolveAccess.subject)
  resolve(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.resolveAccess>>) {
    return handleRequest(s.resolveAccess, envelope, (p) => this.access.resolve(p));
  }

  @MessagePattern(s.lookupApiKey.subject)
  lookup(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.lookupApiKey>>) {
    return handleRequest(s.lookupApiKey, envelope, (p) => this.access.lookupApiKey(p.prefix));
  }

  @MessagePattern(s.recordApiKeyUse.subject)
  recordUse(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.recordApiKeyUse>>) {
    return handleRequest(s.recordApiKeyUse, envelope, (p) => this.usage.record(p));
  }
}
