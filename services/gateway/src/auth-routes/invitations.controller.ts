import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Authenticated, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { TokenDto } from './auth.dto';
import { AcceptedInvitationDto, CreateInvitationDto, InvitationDto, InvitationListDto } from './organizations.dto';
import { uuidParam } from '../http/uuid-param';

@ApiTags('members')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/invitations')
export class InvitationsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('members:read')
  @ApiOperation({ operationId: 'listInvitations', summary: 'Pending invitations of the organization' })
  @ApiOkResponse({ type: InvitationListDto })
  @ApiProblems([403, 'API keys cannot list invitations'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.listInvitations, {}, caller);
  }

  @Post()
  @Access('members:manage')
  @ApiOperation({
    operationId: 'createInvitation',
    summary: 'Invite someone by email',
    description:
      'Mails the address a link with a single-use token; the person becomes a member only by accepting with it ' +
      '(`POST /v1/invitations/accept`). The answer is the same whether the address has an account or not.',
  })
  @ApiBody({ type: CreateInvitationDto })
  @ApiCreatedResponse({ type: InvitationDto })
  @ApiProblems([400, 'Invalid body'], [403, 'Admins only; owners only for the owner role'], [409, 'Already a member, or already invited'])
  create(@Body() body: CreateInvitationDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.createInvitation, { email: body.email, role: body.role }, caller);
  }

  @Delete(':invitationId')
  @HttpCode(204)
  @Access('members:manage')
  @ApiParam({ name: 'invitationId', format: 'uuid' })
  @ApiOperation({ operationId: 'revokeInvitation', summary: 'Revoke a pending invitation: its link stops working' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems([400, 'Invalid invitation id'], [403, 'Admins only'])
  async revoke(@Param('invitationId', uuidParam('invitationId')) invitationId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(authSubjects.revokeInvitation, { invitationId }, caller);
  }
}

@ApiTags('members')
@Controller('v1/invitations')
export class InvitationAcceptanceController {
  constructor(private readonly client: ServiceClient) {}

  @Post('accept')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    operationId: 'acceptInvitation',
    summary: 'Join the organization of an invitation, with the token of its mailed link',
    description:
      'Signed in with the invited address (the token then also verifies it), or with an account whose address is ' +
      'verified. Each link works once and expires (`INVITATION_TTL_HOURS`).',
  })
  @ApiBody({ type: TokenDto })
  @ApiOkResponse({ type: AcceptedInvitationDto })
  @ApiProblems(
    [400, 'Invalid body, or an unknown, expired, used or revoked invitation token (field /token)'],
    [403, 'Another address than the invited one, not verified; or an API key'],
  )
  accept(@Body() body: TokenDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.acceptInvitation, { token: body.token }, caller);
  }
}
