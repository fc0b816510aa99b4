import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { alertsSubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { AlertDto, AlertListDto, DeliveryListDto, ListAlertsQueryDto } from './alerts.dto';

@ApiTags('alerts')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/alerts')
export class OrganizationAlertsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('alerts:read')
  @ApiOperation({ operationId: 'listAlerts', summary: "The organization's alerts, newest first, with cursor pagination" })
  @ApiOkResponse({ type: AlertListDto })
  @ApiProblems([400, 'Invalid filter, range, cursor or limit'], [403, 'API keys cannot read alerts'])
  list(@Query() query: ListAlertsQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.listAlerts, query, caller);
  }
}

@ApiTags('alerts')
@ApiParam({ name: 'alertId', format: 'uuid' })
@Controller('v1/alerts/:alertId')
export class AlertsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('alerts:read')
  @ApiOperation({ operationId: 'getAlert', summary: 'An alert, with exactly what the channels were sent' })
  @ApiOkResponse({ type: AlertDto })
  @ApiProblems([403, 'API keys cannot read alerts'])
  get(@Param('alertId') alertId: string, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.getAlert, { alertId }, caller);
  }

  @Post('acknowledge')
  @HttpCode(200)
  @Access('alerts:write')
  @ApiOperation({
    operationId: 'acknowledgeAlert',
    summary: 'Acknowledge an alert: someone is on it (members)',
    description: 'Acknowledging again changes nothing; an acknowledged alert still resolves when its condition ends.',
  })
  @ApiOkResponse({ type: AlertDto })
  @ApiProblems([403, 'Members and above; API keys cannot acknowledge'], [409, 'The alert is already resolved'])
  acknowledge(@Param('alertId') alertId: string, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.acknowledgeAlert, { alertId }, caller);
  }

  @Get('deliveries')
  @Access('alerts:read')
  @ApiOperation({
    operationId: 'listAlertDeliveries',
    summary: "The alert's deliveries, one per channel, with the state and every attempt",
    description: 'pending, delivered, failed (refused for good) or dead (still failing after the last retry).',
  })
  @ApiOkResponse({ type: DeliveryListDto })
  @ApiProblems([403, 'API keys cannot read alerts'])
  deliveries(@Param('alertId') alertId: string, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.listDeliveries, { alertId }, caller);
  }
}
