import { Body, Controller, Get, Patch, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { alertsSubjects, type RequestContext } from '@llmlab/contracts';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { AlertSettingsDto, UpdateAlertSettingsDto } from './alert-settings.dto';

const ETAG = {
  ETag: { description: 'The revision, for If-Match ("-1" while on the defaults)', schema: { type: 'string', example: '"-1"' } },
};

@ApiTags('alerts')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/alert-settings')
@UseInterceptors(EtagInterceptor)
export class AlertSettingsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('alerts:read')
  @ApiOperation({
    operationId: 'getAlertSettings',
    summary: "The organization's alerting time zone and rules (every rule on, with defaults, until changed)",
  })
  @ApiOkResponse({ type: AlertSettingsDto, headers: ETAG })
  @ApiProblems([403, 'API keys cannot read alert settings'])
  get(@Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.getSettings, {}, caller);
  }

  @Patch()
  @Access('alerts:configure')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({
    operationId: 'updateAlertSettings',
    summary: "Change the organization's alerting time zone, or switch and tune rules (admins)",
    description: 'Only the rules and fields named change. A new time zone applies to new budgets and to the hourly and daily rules.',
  })
  @ApiBody({ type: UpdateAlertSettingsDto })
  @ApiOkResponse({ type: AlertSettingsDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body or If-Match'], [403, 'Admins only'], [409, 'Changed since the If-Match revision'])
  update(@Body() body: UpdateAlertSettingsDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.updateSettings, { ...body, expectedRevision }, caller);
  }
}
