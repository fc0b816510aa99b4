import { Body, Controller, Get, Patch, Post, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Authenticated, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { OrganizationDto } from './auth.dto';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { CreateOrganizationDto, OrganizationListDto, UpdateOrganizationDto } from './organizations.dto';

const ETAG = { ETag: { description: 'The revision, for If-Match', schema: { type: 'string', example: '"3"' } } };

@ApiTags('organizations')
@Controller('v1/organizations')
@UseInterceptors(EtagInterceptor)
export class OrganizationsController {
  constructor(private readonly client: ServiceClient) {}

  @Post()
  @Authenticated()
  @ApiOperation({ operationId: 'createOrganization', summary: 'Create an organization owned by the caller' })
  @ApiBody({ type: CreateOrganizationDto })
  @ApiCreatedResponse({ type: OrganizationDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body'], [403, 'API keys cannot create organizations'])
  create(@Body() body: CreateOrganizationDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.createOrganization, body, caller);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'listOrganizations', summary: 'The organizations the caller is a member of, with the role in each' })
  @ApiOkResponse({ type: OrganizationListDto })
  @ApiProblems([403, 'API keys cannot list organizations'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.listOrganizations, {}, caller);
  }

  @Get(':orgId')
  @Access('organization:read')
  @ApiParam({ name: 'orgId', format: 'uuid' })
  @ApiOperation({ operationId: 'getOrganization', summary: 'An organization the caller is a member of' })
  @ApiOkResponse({ type: OrganizationDto, headers: ETAG })
  @ApiProblems([403, 'API keys cannot read organizations'])
  get(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.getOrganization, {}, caller);
  }

  @Patch(':orgId')
  @Access('organization:manage')
  @ApiParam({ name: 'orgId', format: 'uuid' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({ operationId: 'updateOrganization', summary: 'Rename the organization (owners); its rate limits are the operator’s' })
  @ApiBody({ type: UpdateOrganizationDto })
  @ApiOkResponse({ type: OrganizationDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body or If-Match'], [403, 'Owners only'], [409, 'Changed since the If-Match revision'])
  update(@Body() body: UpdateOrganizationDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.updateOrganization, { ...body, expectedRevision }, caller);
  }
}
