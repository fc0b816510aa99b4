import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
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
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { CreateProjectDto, ListProjectsQueryDto, ProjectDto, ProjectListDto, UpdateProjectDto } from './projects.dto';

const ETAG = { ETag: { description: 'The revision, for If-Match', schema: { type: 'string', example: '"0"' } } };

@ApiTags('projects')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/projects')
export class OrganizationProjectsController {
  constructor(private readonly client: ServiceClient) {}

  @Post()
  @Access('projects:create')
  @ApiOperation({ operationId: 'createProject', summary: 'Create a project in the organization (admins)' })
  @ApiBody({ type: CreateProjectDto })
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiProblems([400, 'Invalid body'], [403, 'Admins only'])
  create(@Body() body: CreateProjectDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.createProject, body, caller);
  }

  @Get()
  @Access('organization:read')
  @ApiOperation({ operationId: 'listProjects', summary: "The organization's projects" })
  @ApiOkResponse({ type: ProjectListDto })
  @ApiProblems([400, 'Invalid query'], [403, 'API keys cannot list projects'])
  list(@Query() query: ListProjectsQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.listProjects, query, caller);
  }
}

@ApiTags('projects')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId')
@UseInterceptors(EtagInterceptor)
export class ProjectsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('project:read')
  @ApiOperation({ operationId: 'getProject', summary: 'A project (archived ones included)' })
  @ApiOkResponse({ type: ProjectDto, headers: ETAG })
  @ApiProblems([403, 'The API key lacks the read scope'])
  get(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.getProject, {}, caller);
  }

  @Patch()
  @Access('project:manage')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({ operationId: 'updateProject', summary: 'Rename a project or change its description (admins)' })
  @ApiBody({ type: UpdateProjectDto })
  @ApiOkResponse({ type: ProjectDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body or If-Match'], [403, 'Admins only'], [409, 'Archived, or changed since the If-Match revision'])
  update(@Body() body: UpdateProjectDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.updateProject, { ...body, expectedRevision }, caller);
  }

  @Delete()
  @HttpCode(204)
  @Access('project:manage')
  @ApiOperation({
    operationId: 'archiveProject',
    summary: 'Archive a project (admins)',
    description: 'The project stays readable; it takes no changes and no new keys, and its API keys stop working.',
  })
  @ApiNoContentResponse({ description: 'Archived' })
  @ApiProblems([403, 'Admins only'])
  async archive(@Caller() caller: RequestContext): Promise<void> {
    await this.client.call(authSubjects.archiveProject, {}, caller);
  }
}
