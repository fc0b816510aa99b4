import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { providerSyncSubjects, type RequestContext } from '@llmlab/contracts';
import { resolveRange } from '../http/date-range.dto';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import {
  ConnectionDto,
  ConnectionTestResultDto,
  ProviderCostsDto,
  ProviderCostsQueryDto,
  RegisterConnectionDto,
  StartSyncDto,
  SyncRunDto,
  SyncStartedDto,
  UpdateConnectionDto,
} from './provider-sync.dto';

@ApiTags('providers')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId')
export class OrganizationProvidersController {
  constructor(private readonly client: ServiceClient) {}

  @Post('providers')
  @Access('providers:manage')
  @ApiOperation({
    operationId: 'registerProviderConnection',
    summary: 'Connect a provider account (admins): the admin key is checked against the provider, then stored encrypted',
  })
  @ApiBody({ type: RegisterConnectionDto })
  @ApiCreatedResponse({ type: ConnectionDto })
  @ApiProblems(
    [400, 'Invalid body or baseUrl'],
    [403, 'Admins only'],
    [422, 'The provider refused credentials.adminKey'],
    [502, 'The provider could not be reached'],
  )
  register(@Body() body: RegisterConnectionDto, @Caller() caller: RequestContext) {
    return this.client.call(providerSyncSubjects.registerConnection, body, caller);
  }

  @Get('providers')
  @Access('providers:manage')
  @ApiOperation({ operationId: 'listProviderConnections', summary: "The organization's provider connections (admins)" })
  @ApiOkResponse({ type: [ConnectionDto] })
  @ApiProblems([403, 'Admins only'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(providerSyncSubjects.listConnections, {}, caller);
  }

  @Get('provider-costs')
  @Access('reconciliation:read')
  @ApiOperation({
    operationId: 'getProviderCosts',
    summary: 'What the providers billed (imported costs), grouped by provider, model, day, project or line item; USD decimal strings',
  })
  @ApiOkResponse({ type: ProviderCostsDto })
  @ApiProblems([400, 'Invalid range or groupBy'], [403, 'API keys cannot read provider costs'])
  costs(@Query() query: ProviderCostsQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(providerSyncSubjects.providerCosts, { ...resolveRange(query), groupBy: query.groupBy ?? 'day' }, caller);
  }
}

@ApiTags('providers')
@ApiParam({ name: 'connectionId', format: 'uuid' })
@Controller('v1/providers/:connectionId')
export class ProvidersController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('providers:manage')
  @ApiOperation({ operationId: 'getProviderConnection', summary: 'A provider connection (admins); the key only as its last 4 characters' })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiProblems([403, 'Admins only'], [404, 'No such connection'])
  get(@Param('connectionId') connectionId: string, @Caller() caller: RequestContext) {
    return this.client.call(providerSyncSubjects.getConnection, { connectionId }, caller);
  }

  @Patch()
  @Access('providers:manage')
  @ApiOperation({
    operationId: 'updateProviderConnection',
    summary: 'Rename, rotate the admin key, change mappings or the daily sync (admins)',
  })
  @ApiBody({ type: UpdateConnectionDto })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiProblems([400, 'Invalid body'], [403, 'Admins only'], [404, 'No such connection'], [422, 'The provider refused credentials.adminKey'])
  update(@Param('connectionId') connectionId: string, @Body() body: UpdateConnectionDto, @Caller() caller: RequestContext) {
    return this.client.call(providerSyncSubjects.updateConnection, { ...body, connectionId }, caller);
  }

  @Delete()
  @HttpCode(204)
  @Access('providers:manage')
  @ApiOperation({ operationId: 'removeProviderConnection', summary: 'Remove a provider connection (admins); its imports stop counting' })
  @ApiNoContentResponse()
  @ApiProblems([403, 'Admins only'], [404, 'No such connection'])
  async remove(@Param('connectionId') connectionId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(providerSyncSubjects.removeConnection, { connectionId }, caller);
  }

  @Post('test')
  @HttpCode(200)
  @Access('providers:manage')
  @ApiOperation({
    operationId: 'testProviderConnection',
    summary: 'Check the stored admin key with the provider now (admins); nothing is imported or changed',
  })
  @ApiOkResponse({ type: ConnectionTestResultDto })
  @ApiProblems([403, 'Admins only'], [404, 'No such connection'])
  test(@Param('connectionId') connectionId: string, @Caller() caller: RequestContext) {
    return this.client.call(providerSyncSubjects.testConnection, { connectionId }, caller);
  }

  @Post('sync')
  @HttpCode(202)
  @Access('providers:manage')
  @ApiOperation({ operationId: 'startProviderSync', summary: 'Start a sync of the connection now (admins); follow it in its runs' })
  @ApiBody({ type: StartSyncDto, required: false })
  @ApiAcceptedResponse({ type: SyncStartedDto })
  @ApiProblems([400, 'Invalid range'], [403, 'Admins only'], [404, 'No such connection'])
  sync(@Param('connectionId') connectionId: string, @Body() body: StartSyncDto, @Caller() caller: RequestContext) {
    return this.client.call(
      providerSyncSubjects.startSync,
      { connectionId, ...(body?.from ? { from: body.from } : {}), ...(body?.to ? { to: body.to } : {}) },
      caller,
    );
  }

  @Get('runs')
  @Access('providers:manage')
  @ApiOperation({ operationId: 'listProviderSyncRuns', summary: "The connection's latest sync runs (range, status, pages, rows, error)" })
  @ApiOkResponse({ type: [SyncRunDto] })
  @ApiProblems([403, 'Admins only'], [404, 'No such connection'])
  runs(@Param('connectionId') connectionId: string, @Caller() caller: RequestContext) {
    return this.client.call(providerSyncSubjects.listRuns, { connectionId }, caller);
  }
}
