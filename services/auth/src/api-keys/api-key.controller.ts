import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { ApiKeyHandler } from './api-key.handler';
import { ApiKeyQueries } from './api-key.queries';
import { projectScope } from '@llmlab/domain';

@Controller()
export class ApiKeyController {
  constructor(
    private readonly apiKeys: ApiKeyHandler,
    private readonly queries: ApiKeyQueries,
  ) {}

  @MessagePattern(s.createApiKey.subject)
  create(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createApiKey>>) {
    return handleRequest(s.createApiKey, envelope, (p, ctx) => this.apiKeys.create(p, ctx));
  }

  @MessagePattern(s.listApiKeys.subject)
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listApiKeys>>) {
    return handleRequest(s.listApiKeys, envelope, (_p, ctx) => this.queries.list(projectScope(ctx)));
  }

  @MessagePattern(s.revokeApiKey.subject)
  revoke(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.revokeApiKey>>) {
    return handleRequest(s.revokeApiKey, envelope, (p, ctx) => this.apiKeys.revoke(p, ctx));
  }
}
