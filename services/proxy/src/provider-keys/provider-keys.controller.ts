import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { proxySubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { ProviderKeysHandler } from './provider-keys.handler';

@Controller()
export class ProviderKeysController {
  constructor(private readonly keys: ProviderKeysHandler) {}

  @MessagePattern(s.storeProviderKey.subject)
  store(@Payload() e: RequestEnvelope<RequestOf<typeof s.storeProviderKey>>) {
    return handleRequest(s.storeProviderKey, e, (p, ctx) => this.keys.store(p, ctx));
  }

  @MessagePattern(s.listProviderKeys.subject)
  list(@Payload() e: RequestEnvelope<RequestOf<typeof s.listProviderKeys>>) {
    return handleRequest(s.listProviderKeys, e, (_p, ctx) => this.keys.list(ctx));
  }

  @MessagePattern(s.removeProviderKey.subject)
  remove(@Payload() e: RequestEnvelope<RequestOf<typeof s.removeProviderKey>>) {
    return handleRequest(s.removeProviderKey, e, (p, ctx) => this.keys.remove(p, ctx));
  }
}
