import { ingestionSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { projectScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { TraceQueries } from './trace.queries';

/** Trace and session queries: always one project's, the one the gateway resolved from the route. */
@Controller()
export class TraceController {
  constructor(private readonly queries: TraceQueries) {}

  @MessagePattern(s.traces.subject)
  traces(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.traces>>) {
    return handleRequest(s.traces, envelope, (p, ctx) => this.queries.list(projectScope(ctx), p));
  }

  @MessagePattern(s.trace.subject)
  trace(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.trace>>) {
    return handleRequest(s.trace, envelope, (p, ctx) => this.queries.trace(projectScope(ctx), p));
  }

  @MessagePattern(s.sessions.subject)
  sessions(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.sessions>>) {
    return handleRequest(s.sessions, envelope, (p, ctx) => this.queries.sessions(projectScope(ctx), p));
  }

  @MessagePattern(s.session.subject)
  session(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.session>>) {
    return handleRequest(s.session, envelope, (p, ctx) => this.queries.session(projectScope(ctx), p));
  }
}
