import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { alertsSubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { ChannelListDto, ChannelTestResultDto, CreateChannelDto, CreatedChannelDto } from './channels.dto';

@ApiTags('channels')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/channels')
export class OrganizationChannelsController {
  constructor(private readonly client: ServiceClient) {}

  @Post()
  @Access('alerts:configure')
  @ApiOperation({
    operationId: 'createChannel',
    summary: 'Add a Slack, Discord or signed-webhook channel (admins)',
    description:
      'Every alert of the organization is sent to every channel. The URL is checked (official host, SSRF rules) ' +
      "and stored encrypted; a webhook's generated signing secret is in this answer only.",
  })
  @ApiBody({ type: CreateChannelDto })
  @ApiCreatedResponse({ type: CreatedChannelDto })
  @ApiProblems(
    [400, 'Invalid body, or a URL the channel or the SSRF rules refuse'],
    [403, 'Admins only'],
    [409, 'The organization has 50 channels'],
  )
  create(@Body() body: CreateChannelDto, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.createChannel, body, caller);
  }

  @Get()
  @Access('alerts:read')
  @ApiOperation({
    operationId: 'listChannels',
    summary: "The organization's channels, described without their URLs' secret parts or signing secrets",
  })
  @ApiOkResponse({ type: ChannelListDto })
  @ApiProblems([403, 'API keys cannot read channels'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.listChannels, {}, caller);
  }
}

@ApiTags('channels')
@ApiParam({ name: 'channelId', format: 'uuid' })
@Controller('v1/channels/:channelId')
export class ChannelsController {
  constructor(private readonly client: ServiceClient) {}

  @Delete()
  @HttpCode(204)
  @Access('alerts:configure')
  @ApiOperation({ operationId: 'deleteChannel', summary: 'Remove a channel (admins); pending deliveries to it fail' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems([403, 'Admins only'])
  async delete(@Param('channelId') channelId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(alertsSubjects.deleteChannel, { channelId }, caller);
  }

  @Post('test')
  @HttpCode(200)
  @Access('alerts:configure')
  @ApiOperation({
    operationId: 'testChannel',
    summary: 'Send a sample alert to a channel now (admins)',
    description: 'One attempt, not retried and not recorded as a delivery; the answer says what the receiver said.',
  })
  @ApiOkResponse({ type: ChannelTestResultDto })
  @ApiProblems([403, 'Admins only'])
  test(@Param('channelId') channelId: string, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.testChannel, { channelId }, caller);
  }
}
