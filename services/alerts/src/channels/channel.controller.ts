import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { alertsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest, natsSubject } from '@llmlab/messaging';
import { organizationScope } from '../shared/tenancy';
import { ChannelHandler } from './channel.handler';
import { ChannelQueries } from './channel.queries';

@Controller()
export class ChannelController {
  constructor(
    private readonly handler: ChannelHandler,
    private readonly queries: ChannelQueries,
  ) {}

  @MessagePattern(natsSubject(s.createChannel))
  create(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createChannel>>) {
    return handleRequest(s.createChannel, envelope, (p, ctx) => this.handler.create(p, ctx));
  }

  @MessagePattern(natsSubject(s.listChannels))
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listChannels>>) {
    return handleRequest(s.listChannels, envelope, (_p, ctx) => this.queries.list(organizationScope(ctx)));
  }

  @MessagePattern(natsSubject(s.deleteChannel))
  delete(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.deleteChannel>>) {
    return handleRequest(s.deleteChannel, envelope, (p, ctx) => this.handler.delete(p, ctx));
  }

  @MessagePattern(natsSubject(s.testChannel))
  test(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.testChannel>>) {
    return handleRequest(s.testChannel, envelope, (p, ctx) => this.handler.test(p, ctx));
  }
}
