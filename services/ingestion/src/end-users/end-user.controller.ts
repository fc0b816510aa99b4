import { ingestionSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { EndUserErasure } from './end-user.erasure';

/** End users: erasure in the context's project, and the pseudonym alerts keys end-user budgets by. */
@Controller()
export class EndUserController {
  constructor(private readonly erasure: EndUserErasure) {}

  @MessagePattern(s.eraseEndUser.subject)
  erase(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.eraseEndUser>>) {
    return handleRequest(s.eraseEndUser, envelope, (p, ctx) => this.erasure.erase(p, ctx));
  }

  @MessagePattern(s.endUserPseudonym.subject)
  pseudonym(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.endUserPseudonym>>) {
    return handleRequest(s.endUserPseudonym, envelope, (p, ctx) => this.erasure.pseudonym(p, ctx));
  }
}
