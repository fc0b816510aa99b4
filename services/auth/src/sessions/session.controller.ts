import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { SessionHandler } from './session.handler';
import { SigningKeyRing } from './signing-keys';

@Controller()
export class SessionController {
  constructor(
    private readonly sessions: SessionHandler,
    private readonly keys: SigningKeyRing,
  ) {}

  @MessagePattern(s.login.subject)
  login(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.login>>) {
    return handleRequest(s.login, envelope, (p, ctx) => this.sessions.login(p, ctx));
  }

  @MessagePattern(s.refresh.subject)
  refresh(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.refresh>>) {
    return handleRequest(s.refresh, envelope, (p) => this.sessions.refresh(p));
  }

  @MessagePattern(s.logout.subject)
  logout(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.logout>>) {
    return handleRequest(s.logout, envelope, (p) => this.sessions.logout(p));
  }

  @MessagePattern(s.jwks.subject)
  jwks(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.jwks>>) {
    return handleRequest(s.jwks, envelope, () => this.keys.jwks());
  }
}
