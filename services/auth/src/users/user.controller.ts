import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { actingUser } from '../shared/acting-user';
import { EmailVerification } from './email-verification';
import { PersonalDataQueries } from './personal-data.queries';
import { UserErasure } from './user-erasure';
import { UserHandler } from './user.handler';
import { UserQueries } from './user.queries';

@Controller()
export class UserController {
  constructor(
    private readonly users: UserHandler,
    private readonly queries: UserQueries,
    private readonly verification: EmailVerification,
    private readonly erasure: UserErasure,
    private readonly personalData: PersonalDataQueries,
  ) {}

  @MessagePattern(s.verifyEmail.subject)
  verifyEmail(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.verifyEmail>>) {
    return handleRequest(s.verifyEmail, envelope, (p) => this.verification.verify(p));
  }

  @MessagePattern(s.resendVerification.subject)
  resendVerification(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.resendVerification>>) {
    return handleRequest(s.resendVerification, envelope, (_p, ctx) => this.verification.resend(ctx));
  }

  @MessagePattern(s.signup.subject)
  signup(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.signup>>) {
    return handleRequest(s.signup, envelope, (p) => this.users.signup(p));
  }

  @MessagePattern(s.me.subject)
  me(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.me>>) {
    return handleRequest(s.me, envelope, (_p, ctx) => this.queries.me(actingUser(ctx)));
  }

  @MessagePattern(s.eraseMe.subject)
  eraseMe(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.eraseMe>>) {
    return handleRequest(s.eraseMe, envelope, (p, ctx) => this.erasure.erase(p, ctx));
  }

  @MessagePattern(s.exportMe.subject)
  exportMe(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.exportMe>>) {
    return handleRequest(s.exportMe, envelope, (_p, ctx) => this.personalData.export(actingUser(ctx)));
  }
}
