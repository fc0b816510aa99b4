import { Body, Controller, Get, Put, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ingestionSubjects, type RequestContext } from '@llmlab/contracts';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { UpdateUsageRetentionDto, UsageRetentionDto } from './usage-retention.dto';

const ETAG = {
  ETag: { description: 'The revision, for If-Match ("-1" while on the default)', schema: { type: 'string', example: '"-1"' } },
};

@ApiTags('usage')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/usage-retention')
@UseInterceptors(EtagInterceptor)
export class UsageRetentionController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('usage-retention:read')
  @ApiOperation({
    operationId: 'getUsageRetention',
    summary: 'How long the organization keeps its usage detail (owners and admins; null: forever, the default)',
  })
  @ApiOkResponse({ type: UsageRetentionDto, headers: ETAG })
  @ApiProblems([403, 'Owners and admins only'])
  get(@Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.usageRetention, {}, caller);
  }

  @Put()
  @Access('usage-retention:manage')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({
    operationId: 'updateUsageRetention',
    summary: 'Set how long the organization keeps its usage detail (owners and admins)',
    description:
      'Days from 30 to 3650, or null to keep usage detail forever. Within the maintenance interval (an hour by default), ' +
      'usage records and traces older than that leave the read models, and the ledger records of every month wholly ' +
      'past it become unreadable (their data key is destroyed); hourly and daily aggregates stay. Setting what is ' +
      'already set changes nothing.',
  })
  @ApiBody({ type: UpdateUsageRetentionDto })
  @ApiOkResponse({ type: UsageRetentionDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body or If-Match'], [403, 'Owners and admins only'], [409, 'Changed since the If-Match revision'])
  update(@Body() body: UpdateUsageRetentionDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.updateUsageRetention, { ...body, expectedRevision }, caller);
  }
}
