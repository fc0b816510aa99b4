import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { alertsSubjects, ingestionSubjects, type CreateBudgetRequest, type RequestContext } from '@llmlab/contracts';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { AccessResolver } from '../identity/access.resolver';
import { Access, Caller } from '../identity/identity.decorators';
import { GatewayProblem } from '../http/problem';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { BudgetDto, BudgetListDto, CreateBudgetDto, UpdateBudgetDto } from './budgets.dto';

const ETAG = { ETag: { description: 'The revision, for If-Match', schema: { type: 'string', example: '"0"' } } };

@ApiTags('budgets')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/budgets')
export class OrganizationBudgetsController {
  constructor(
    private readonly client: ServiceClient,
    private readonly access: AccessResolver,
  ) {}

  @Post()
  @Access('alerts:write')
  @ApiOperation({
    operationId: 'createBudget',
    summary: 'Create a budget for the organization, a project, a tag value or an end user (members)',
    description: 'Each threshold alerts at most once per period, on every channel of the organization.',
  })
  @ApiBody({ type: CreateBudgetDto })
  @ApiCreatedResponse({ type: BudgetDto })
  @ApiProblems(
    [400, 'Invalid body, or scope.projectId is not a project of this organization'],
    [403, 'Members and above; API keys cannot manage budgets'],
    [409, 'The organization has 500 budgets'],
  )
  async create(@Body() body: CreateBudgetDto, @Caller() caller: RequestContext) {
    if (body.scope.type === 'project') await this.assertProjectOfOrganization(body.scope.projectId, caller);
    return this.client.call(alertsSubjects.createBudget, await this.keyedByPseudonym(body, caller), caller);
  }

  /**
   * The ledgers name end users by a keyed pseudonym (ingestion keeps the organization's key), and so does alerts'
   * spend: an end-user budget goes to alerts with the pseudonym of its `userId` beside it.
   */
  private async keyedByPseudonym(body: CreateBudgetDto, caller: RequestContext): Promise<CreateBudgetRequest> {
    if (body.scope.type !== 'end_user') return body;
    const { endUser } = await this.client.call(ingestionSubjects.endUserPseudonym, { userId: body.scope.userId }, caller);
    return { ...body, scope: { ...body.scope, endUser } };
  }

  /**
   * A project budget names a project by id: it must be one of the route's organization, or a member could watch
   * (and learn the spend of) another tenant's project. Only users manage budgets, so the caller's own access
   * to the project answers it; an unknown project and another tenant's answer the same 400.
   */
  private async assertProjectOfOrganization(projectId: string, caller: RequestContext): Promise<void> {
    const userId = caller.actor?.type === 'user' ? caller.actor.id : undefined;
    const grant = userId ? await this.access.resolve(userId, { projectId }, caller.correlationId) : null;
    if (!grant || grant.organizationId !== caller.organizationId)
      throw new GatewayProblem(400, 'BUDGET_INVALID', 'invalid budget', [
        { field: '/scope/projectId', message: 'must be a project of this organization' },
      ]);
  }

  @Get()
  @Access('alerts:read')
  @ApiOperation({ operationId: 'listBudgets', summary: "The organization's budgets, each with its live spend and forecast" })
  @ApiOkResponse({ type: BudgetListDto })
  @ApiProblems([403, 'API keys cannot read budgets'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.listBudgets, {}, caller);
  }
}

@ApiTags('budgets')
@ApiParam({ name: 'budgetId', format: 'uuid' })
@Controller('v1/budgets/:budgetId')
@UseInterceptors(EtagInterceptor)
export class BudgetsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('alerts:read')
  @ApiOperation({
    operationId: 'getBudget',
    summary: "A budget, with the current period's spend, thresholds reached and period-end forecast",
  })
  @ApiOkResponse({ type: BudgetDto, headers: ETAG })
  @ApiProblems([403, 'API keys cannot read budgets'])
  get(@Param('budgetId') budgetId: string, @Caller() caller: RequestContext) {
    return this.client.call(alertsSubjects.getBudget, { budgetId }, caller);
  }

  @Patch()
  @Access('alerts:write')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({
    operationId: 'updateBudget',
    summary: "Change a budget's name, period, amount, thresholds or time zone (members)",
    description: 'A new period or time zone resolves the alerts of the old periods.',
  })
  @ApiBody({ type: UpdateBudgetDto })
  @ApiOkResponse({ type: BudgetDto, headers: ETAG })
  @ApiProblems(
    [400, 'Invalid body or If-Match'],
    [403, 'Members and above; API keys cannot manage budgets'],
    [409, 'Changed since the If-Match revision'],
  )
  update(
    @Param('budgetId') budgetId: string,
    @Body() body: UpdateBudgetDto,
    @IfMatch() expectedRevision: number | undefined,
    @Caller() caller: RequestContext,
  ) {
    return this.client.call(alertsSubjects.updateBudget, { ...body, budgetId, expectedRevision }, caller);
  }

  @Delete()
  @HttpCode(204)
  @Access('alerts:write')
  @ApiOperation({ operationId: 'deleteBudget', summary: 'Delete a budget (members); its open alerts resolve' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems([403, 'Members and above; API keys cannot manage budgets'])
  async delete(@Param('budgetId') budgetId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(alertsSubjects.deleteBudget, { budgetId }, caller);
  }
}
