import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest, natsSubject } from '@llmlab/messaging';
import { SessionHandler } from './session.handler';
import { SigningKeyRing } from './signing-keys';

@Controller()
export class SessionController {
  constructor(
    private readonly sessions: SessionHandler,
    private readonly keys: SigningKeyRing,
  ) {}

  @MessagePattern(natsSubject(s.login))
  login(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.login>>) {
    return handleRequest(s.login, envelope, (p, ctx) => this.sessions.login(p, ctx));
  }

  @MessagePattern(natsSubject(s.refresh))
  refresh(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.refresh>>) {
    return handleRequest(s.refresh, envelope, (p) => this.sessions.refresh(p));
  }

  @MessagePattern(natsSubject(s.logout))
  logout(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.logout>>) {
    return handleRequest(s.logout, envelope, (p) => this.sessions.logout(p));
  }

  @MessagePattern(natsSubject(s.jwks))
  jwks(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.jwks>>) {
    return handleRequest(s.jwks, envelope, () => this.keys.jwks());
  }
}
