import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { routeSubjects, type RequestContext } from '@llmlab/contracts';
import { uuidParam } from '../http/uuid-param';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { RouteDto, SetRouteDto } from './routes.dto';

@ApiTags('proxy')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/routes')
export class RoutesController {
  constructor(private readonly client: ServiceClient) {}

  @Put()
  @Access('provider-keys:manage')
  @ApiOperation({
    operationId: 'setRoute',
    summary: "Set the proxy's route for a model name and feature (owners and admins): an alias and its fallbacks, tried in order",
  })
  @ApiBody({ type: SetRouteDto })
  @ApiOkResponse({ type: RouteDto })
  @ApiProblems(
    [400, 'Invalid model, targets or timeoutMs'],
    [403, 'Owners and admins only, with an access token'],
    [409, 'The project has 100 routes'],
  )
  set(@Body() body: SetRouteDto, @Caller() caller: RequestContext) {
    // What a route applies is the recommendations service's to say (POST /v1/recommendations/{id}/apply), never a body's.
    const { model, feature, targets, timeoutMs, cacheTtlSeconds } = body;
    return this.client.call(routeSubjects.setRoute, { model, feature, targets, timeoutMs, cacheTtlSeconds }, caller);
  }

  @Get()
  @Access('provider-keys:manage')
  @ApiOperation({ operationId: 'listRoutes', summary: "The project's proxy routes, by model name" })
  @ApiOkResponse({ type: [RouteDto] })
  @ApiProblems([403, 'Owners and admins only, with an access token'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(routeSubjects.listRoutes, {}, caller);
  }

  @Delete(':routeId')
  @HttpCode(204)
  @Access('provider-keys:manage')
  @ApiParam({ name: 'routeId', format: 'uuid' })
  @ApiOperation({ operationId: 'removeRoute', summary: 'Remove a route: calls for its model go to the provider as asked again' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems([400, 'Invalid route id'], [403, 'Owners and admins only, with an access token'], [404, 'No such route'])
  async remove(@Param('routeId', uuidParam('routeId')) routeId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(routeSubjects.removeRoute, { routeId }, caller);
  }
}
