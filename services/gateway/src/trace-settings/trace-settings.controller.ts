import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ingestionSubjects, type RequestContext } from '@llmlab/contracts';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { traceIdParam } from '../traces/trace-params';
import { TraceSettingsDto, UpdateTraceSettingsDto } from './trace-settings.dto';

const ETAG = {
  ETag: { description: 'The revision, for If-Match ("-1" while on the defaults)', schema: { type: 'string', example: '"-1"' } },
};

@ApiTags('traces')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/trace-settings')
@UseInterceptors(EtagInterceptor)
export class TraceSettingsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('trace-settings:read')
  @ApiOperation({ operationId: 'getTraceSettings', summary: "The organization's content capture settings (off until turned on)" })
  @ApiOkResponse({ type: TraceSettingsDto, headers: ETAG })
  @ApiProblems([403, 'API keys cannot read trace settings'])
  get(@Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.traceSettings, {}, caller);
  }

  @Put()
  @Access('trace-settings:manage')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({
    operationId: 'updateTraceSettings',
    summary: 'Turn content capture on or off and set its retention (owners and admins)',
    description:
      'Turning capture off stops storing new text within seconds; text already captured stays until its retention ends or it is erased.',
  })
  @ApiBody({ type: UpdateTraceSettingsDto })
  @ApiOkResponse({ type: TraceSettingsDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body or If-Match'], [403, 'Owners and admins only'], [409, 'Changed since the If-Match revision'])
  update(@Body() body: UpdateTraceSettingsDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.updateTraceSettings, { ...body, expectedRevision }, caller);
  }
}

@ApiTags('traces')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId')
export class ContentErasureController {
  constructor(private readonly client: ServiceClient) {}

  @Delete('traces/:traceId/content')
  @HttpCode(204)
  @Access('trace-settings:manage')
  @ApiParam({ name: 'traceId', description: '32 lowercase hex characters, as OTLP/JSON spells it.' })
  @ApiOperation({ operationId: 'eraseTraceContent', summary: "Erase a trace's captured prompts and completions (owners and admins)" })
  @ApiNoContentResponse({ description: 'Erased (recorded as TraceContentErased, ids only)' })
  @ApiProblems([400, 'The trace id is not 32 hex characters'], [403, 'Owners and admins only'], [404, 'No such trace in this project'])
  async eraseTrace(@Param('traceId', traceIdParam()) traceId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(ingestionSubjects.eraseTraceContent, { traceId }, caller);
  }

  @Delete('end-users/:userId/content')
  @HttpCode(204)
  @Access('trace-settings:manage')
  @ApiParam({ name: 'userId', description: "The end user's id, as spans carry it (`user.id`)." })
  @ApiOperation({
    operationId: 'eraseEndUserContent',
    summary: "Erase one end user's captured prompts and completions across the project (owners and admins)",
  })
  @ApiNoContentResponse({ description: 'Erased, or there was nothing to erase' })
  @ApiProblems([400, 'Invalid user id'], [403, 'Owners and admins only'])
  async eraseEndUser(@Param('userId') userId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(ingestionSubjects.eraseEndUserContent, { userId }, caller);
  }
}
