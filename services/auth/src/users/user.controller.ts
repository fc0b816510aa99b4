import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { actingUser } from '../shared/acting-user';
import { UserHandler } from './user.handler';
import { UserQueries } from './user.queries';

@Controller()
export class UserController {
  constructor(
    private readonly users: UserHandler,
    private readonly queries: UserQueries,
  ) {}

  @MessagePattern(s.signup.subject)
  signup(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.signup>>) {
    return handleRequest(s.signup, envelope, (p) => this.users.signup(p));
  }

  @MessagePattern(s.me.subject)
  me(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.me>>) {
    return handleRequest(s.me, envelope, (_p, ctx) => this.queries.me(actingUser(ctx)));
  }
}
