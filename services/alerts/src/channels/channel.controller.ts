import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { alertsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { ChannelHandler } from './channel.handler';
import { ChannelQueries } from './channel.queries';
import { organizationScope } from '@llmlab/domain';

@Controller()
export class ChannelController {
  constructor(
    private readonly handler: ChannelHandler,
    private readonly queries: ChannelQueries,
  ) {}

  @MessagePattern(s.createChannel.subject)
  create(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createChannel>>) {
    return handleRequest(s.createChannel, envelope, (p, ctx) => this.handler.create(p, ctx));
  }

  @MessagePattern(s.listChannels.subject)
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listChannels>>) {
    return handleRequest(s.listChannels, envelope, (_p, ctx) => this.queries.list(organizationScope(ctx)));
  }

  @MessagePattern(s.deleteChannel.subject)
  delete(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.deleteChannel>>) {
    return handleRequest(s.deleteChannel, envelope, (p, ctx) => this.handler.delete(p, ctx));
  }

  @MessagePattern(s.testChannel.subject)
  test(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.testChannel>>) {
    return handleRequest(s.testChannel, envelope, (p, ctx) => this.handler.test(p, ctx));
  }
}
