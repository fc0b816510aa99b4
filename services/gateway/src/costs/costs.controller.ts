import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ingestionSubjects, type CostGroupBy, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import {
  CostBreakdownDto,
  CostSummaryDto,
  CostSummaryQueryDto,
  OrganizationCostBreakdownQueryDto,
  ProjectCostBreakdownQueryDto,
} from './costs.dto';
import { resolveRange } from '../http/date-range.dto';

const RANGE = 'Ranges are `[from, to)`, the 30 days before now by default.';

/** The optional second dimension and filters, passed on only when given. */
function refinements(query: ProjectCostBreakdownQueryDto | OrganizationCostBreakdownQueryDto) {
  return {
    ...(query.splitBy !== undefined ? { splitBy: query.splitBy } : {}),
    ...(query.provider !== undefined ? { provider: query.provider } : {}),
    ...(query.model !== undefined ? { model: query.model } : {}),
  };
}

@ApiTags('costs')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/costs')
export class ProjectCostsController {
  constructor(private readonly client: ServiceClient) {}

  @Get('summary')
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'getProjectCostSummary',
    summary: "The project's cost, tokens, requests, errors and unpriced records over a range, and the period before",
    description: RANGE,
  })
  @ApiOkResponse({ type: CostSummaryDto })
  @ApiProblems([400, 'Invalid range'], [403, 'The API key lacks the read scope'])
  summary(@Query() query: CostSummaryQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.costSummary, resolveRange(query), caller);
  }

  @Get('breakdown')
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'getProjectCostBreakdown',
    summary: "The project's costs grouped by provider, model, day, hour, user, trace name or a tag, by cost descending",
    description: RANGE,
  })
  @ApiOkResponse({ type: CostBreakdownDto })
  @ApiProblems([400, 'Invalid range, groupBy or limit'], [403, 'The API key lacks the read scope'])
  breakdown(@Query() query: ProjectCostBreakdownQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(
      ingestionSubjects.costBreakdown,
      {
        ...resolveRange(query),
        groupBy: query.groupBy as CostGroupBy,
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...refinements(query),
      },
      caller,
    );
  }
}

@ApiTags('costs')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/costs')
export class OrganizationCostsController {
  constructor(private readonly client: ServiceClient) {}

  @Get('summary')
  @Access('organization:read')
  @ApiOperation({
    operationId: 'getOrganizationCostSummary',
    summary: "The organization's cost over all its projects, with the period before",
    description: `${RANGE} Signed-in members only: an API key belongs to one project.`,
  })
  @ApiOkResponse({ type: CostSummaryDto })
  @ApiProblems([400, 'Invalid range'], [403, 'API keys cannot read organization-wide costs'])
  summary(@Query() query: CostSummaryQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.costSummary, resolveRange(query), caller);
  }

  @Get('breakdown')
  @Access('organization:read')
  @ApiOperation({
    operationId: 'getOrganizationCostBreakdown',
    summary: "The organization's costs grouped by project, provider, model, day, hour, user, trace name or a tag",
    description: `${RANGE} Signed-in members only: an API key belongs to one project.`,
  })
  @ApiOkResponse({ type: CostBreakdownDto })
  @ApiProblems([400, 'Invalid range, groupBy or limit'], [403, 'API keys cannot read organization-wide costs'])
  breakdown(@Query() query: OrganizationCostBreakdownQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(
      ingestionSubjects.costBreakdown,
      {
        ...resolveRange(query),
        groupBy: query.groupBy as CostGroupBy,
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...refinements(query),
      },
      caller,
    );
  }
}
