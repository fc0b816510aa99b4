import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { recommendationsSubjects, type RequestContext } from '@llmlab/contracts';
import { DateRangeQueryDto, resolveRange } from '../http/date-range.dto';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import {
  DismissRecommendationDto,
  ForecastDto,
  ModelEquivalenceDto,
  ListRecommendationsQueryDto,
  RecommendationDto,
  RecommendationListDto,
  RecommendationsRefreshedDto,
  RouteTrafficDto,
  UpdateModelEquivalenceDto,
  WhatIfDto,
  WhatIfResultDto,
} from './recommendations.dto';

const SORTED = 'Sorted by estimated monthly savings, largest first (unknown savings last).';
const WHAT_IF =
  'Per provider, model and feature: the recorded cost, and the cost had the changes applied, each changed day priced exactly at the prices then in force ' +
  '(the organization’s own first). Also a model comparison: the same traffic priced on a candidate model.';

@ApiTags('recommendations')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/recommendations')
export class ProjectRecommendationsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('project-data:read')
  @ApiOperation({ operationId: 'listProjectRecommendations', summary: "The project's recommendations", description: SORTED })
  @ApiOkResponse({ type: RecommendationListDto })
  @ApiProblems([400, 'Invalid status, kind, cursor or limit'])
  list(@Query() query: ListRecommendationsQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.listProject, query, caller);
  }

  @Post('refresh')
  @HttpCode(200)
  @Access('project-data:write')
  @ApiOperation({
    operationId: 'refreshRecommendations',
    summary: "Evaluate the project's traffic now, as the hourly evaluation does (members; admin API keys)",
  })
  @ApiOkResponse({ type: RecommendationsRefreshedDto })
  @ApiProblems([403, 'Members and above, or an API key with the admin scope'])
  refresh(@Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.refresh, {}, caller);
  }
}

@ApiTags('recommendations')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/recommendations')
export class OrganizationRecommendationsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('recommendations:read')
  @ApiOperation({ operationId: 'listOrganizationRecommendations', summary: "Every project's recommendations", description: SORTED })
  @ApiOkResponse({ type: RecommendationListDto })
  @ApiProblems([400, 'Invalid status, kind, cursor or limit'], [403, 'API keys cannot read across projects'])
  list(@Query() query: ListRecommendationsQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.listOrganization, query, caller);
  }
}

@ApiTags('recommendations')
@ApiParam({ name: 'recommendationId', format: 'uuid' })
@Controller('v1/recommendations/:recommendationId')
export class RecommendationsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('recommendations:read')
  @ApiOperation({ operationId: 'getRecommendation', summary: 'A recommendation, with its evidence and its lifecycle' })
  @ApiOkResponse({ type: RecommendationDto })
  @ApiProblems([403, 'API keys cannot read recommendations by id'])
  get(@Param('recommendationId') recommendationId: string, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.get, { recommendationId }, caller);
  }

  @Post('accept')
  @HttpCode(200)
  @Access('recommendations:write')
  @ApiOperation({
    operationId: 'acceptRecommendation',
    summary: 'Accept a recommendation: the change is being made (members)',
    description: 'Accepting again changes nothing; what the change saves is measured from the findings accepted.',
  })
  @ApiOkResponse({ type: RecommendationDto })
  @ApiProblems([403, 'Members and above; API keys cannot decide'], [409, 'The pattern is gone (resolved)'])
  accept(@Param('recommendationId') recommendationId: string, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.accept, { recommendationId }, caller);
  }

  @Post('apply')
  @HttpCode(200)
  @Access('provider-keys:manage')
  @ApiOperation({
    operationId: 'applyRecommendation',
    summary: 'Accept a model right-sizing recommendation and apply it as a proxy route (owners and admins)',
    description:
      "Sets the project's proxy route for the recommendation's model (and feature, when it names one) to the target model, " +
      'then accepts the recommendation naming that route: calls made through the proxy move at once, and the realized ' +
      'savings are measured on the calls the route served, priced at the model asked for. Applying again changes nothing.',
  })
  @ApiOkResponse({ type: RecommendationDto })
  @ApiProblems(
    [403, 'Owners and admins only, with an access token'],
    [
      409,
      'Not a model right-sizing recommendation; the pattern is gone (resolved); or the model and feature already have a route set by hand',
    ],
  )
  apply(@Param('recommendationId') recommendationId: string, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.apply, { recommendationId }, caller);
  }

  @Post('dismiss')
  @HttpCode(200)
  @Access('recommendations:write')
  @ApiOperation({
    operationId: 'dismissRecommendation',
    summary: 'Dismiss a recommendation, with an optional reason (members)',
    description: 'It stays dismissed unless its estimated savings grow past twice those dismissed.',
  })
  @ApiBody({ type: DismissRecommendationDto, required: false })
  @ApiOkResponse({ type: RecommendationDto })
  @ApiProblems(
    [400, 'The reason is not a string of at most 500 characters'],
    [403, 'Members and above; API keys cannot decide'],
    [409, 'The pattern is gone (resolved)'],
  )
  dismiss(@Param('recommendationId') recommendationId: string, @Body() body: DismissRecommendationDto, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.dismiss, { recommendationId, reason: body?.reason ?? null }, caller);
  }
}

@ApiTags('recommendations')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/what-if')
export class ProjectWhatIfController {
  constructor(private readonly client: ServiceClient) {}

  @Post()
  @HttpCode(200)
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'projectWhatIf',
    summary: "The project's traffic of a period priced as recorded and under changes (other models, caching, batch)",
    description: WHAT_IF,
  })
  @ApiBody({ type: WhatIfDto })
  @ApiOkResponse({ type: WhatIfResultDto })
  @ApiProblems([400, 'Invalid range, substitution, caching share or features'])
  whatIf(@Body() body: WhatIfDto, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.whatIf, body, caller);
  }
}

@ApiTags('recommendations')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/what-if')
export class OrganizationWhatIfController {
  constructor(private readonly client: ServiceClient) {}

  @Post()
  @HttpCode(200)
  @Access('recommendations:read')
  @ApiOperation({
    operationId: 'organizationWhatIf',
    summary: "Every project's traffic of a period priced as recorded and under changes",
    description: WHAT_IF,
  })
  @ApiBody({ type: WhatIfDto })
  @ApiOkResponse({ type: WhatIfResultDto })
  @ApiProblems([400, 'Invalid range, substitution, caching share or features'], [403, 'API keys cannot read across projects'])
  whatIf(@Body() body: WhatIfDto, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.whatIf, body, caller);
  }
}

const FORECAST =
  "The current UTC month's spend projected to its end, with 80 % and 95 % prediction intervals and the daily series for a chart; " +
  "the method is named (docs/forecasting.md has the back-test's accuracy).";

@ApiTags('recommendations')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/forecast')
export class ProjectForecastController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('project-data:read')
  @ApiOperation({ operationId: 'projectForecast', summary: "The project's month-end forecast", description: FORECAST })
  @ApiOkResponse({ type: ForecastDto })
  forecast(@Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.forecast, {}, caller);
  }
}

@ApiTags('recommendations')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/forecast')
export class OrganizationForecastController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('recommendations:read')
  @ApiOperation({
    operationId: 'organizationForecast',
    summary: "The organization's month-end forecast (all its projects)",
    description: FORECAST,
  })
  @ApiOkResponse({ type: ForecastDto })
  @ApiProblems([403, 'API keys cannot read across projects'])
  forecast(@Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.forecast, {}, caller);
  }
}

@ApiTags('proxy')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/routes/traffic')
export class ProjectRouteTrafficController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'projectRouteTraffic',
    summary: "What each of the project's proxy routes served: calls, errors, fallbacks, cache hits, their cost and what the cache saved",
    description:
      'Counted per UTC day from the usage the proxy recorded (`metadata.proxy`), over every day the range touches (default: the 30 days ' +
      'before now). A fallback is a call answered by a target after the first; a cache hit costs nothing and saves what the call it ' +
      'replayed cost.',
  })
  @ApiOkResponse({ type: RouteTrafficDto })
  @ApiProblems([400, 'Invalid range, or longer than 366 days'])
  traffic(@Query() query: DateRangeQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.routeTraffic, resolveRange(query), caller);
  }
}

const ETAG = { ETag: { description: 'The revision, for If-Match ("-1" while unchanged)', schema: { type: 'string', example: '"-1"' } } };

@ApiTags('recommendations')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/model-equivalence')
@UseInterceptors(EtagInterceptor)
export class ModelEquivalenceController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('recommendations:read')
  @ApiOperation({
    operationId: 'getModelEquivalence',
    summary: "The organization's model right-sizing table (the repository's, with its own lines)",
  })
  @ApiOkResponse({ type: ModelEquivalenceDto, headers: ETAG })
  @ApiProblems([403, 'API keys cannot read it'])
  get(@Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.getModelEquivalence, {}, caller);
  }

  @Put()
  @Access('recommendations:configure')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({ operationId: 'updateModelEquivalence', summary: "Replace the organization's lines of the right-sizing table (admins)" })
  @ApiBody({ type: UpdateModelEquivalenceDto })
  @ApiOkResponse({ type: ModelEquivalenceDto, headers: ETAG })
  @ApiProblems(
    [400, 'A key or a model is not provider/model, or too many'],
    [403, 'Admins only'],
    [409, 'Changed since the If-Match revision'],
  )
  update(@Body() body: UpdateModelEquivalenceDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(recommendationsSubjects.updateModelEquivalence, { overrides: body.overrides, expectedRevision }, caller);
  }
}
