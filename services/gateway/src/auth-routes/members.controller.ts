import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { AddMemberDto, AddMemberResultDto, MemberDto, MemberListDto, UpdateMemberDto } from './organizations.dto';
import { uuidParam } from '../http/uuid-param';

@ApiTags('members')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/members')
export class MembersController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('members:read')
  @ApiOperation({ operationId: 'listMembers', summary: 'Members of the organization and pending invitations' })
  @ApiOkResponse({ type: MemberListDto })
  @ApiProblems([403, 'API keys cannot list members'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.listMembers, {}, caller);
  }

  @Post()
  @Access('members:manage')
  @ApiOperation({
    operationId: 'addMember',
    summary: 'Invite a member by email (same as POST .../invitations)',
    description:
      'Kept for existing clients. Since issue 9 it never adds anyone directly: it mails an invitation that the person ' +
      'accepts with its link, and the answer does not tell whether the address has an account.',
  })
  @ApiBody({ type: AddMemberDto })
  @ApiCreatedResponse({ type: AddMemberResultDto })
  @ApiProblems([400, 'Invalid body'], [403, 'Admins only; owners only for the owner role'], [409, 'Already a member, or already invited'])
  add(@Body() body: AddMemberDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.addMember, { email: body.email, role: body.role }, caller);
  }

  @Patch(':userId')
  @Access('members:manage')
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiOperation({ operationId: 'updateMember', summary: "Change a member's role" })
  @ApiBody({ type: UpdateMemberDto })
  @ApiOkResponse({ type: MemberDto })
  @ApiProblems(
    [400, 'Invalid body'],
    [403, 'Admins only; owners only to grant or take the owner role'],
    [409, 'The last owner cannot be demoted'],
  )
  update(@Param('userId', uuidParam('userId')) userId: string, @Body() body: UpdateMemberDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.updateMember, { userId, role: body.role }, caller);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Access('members:remove')
  @ApiParam({ name: 'userId', format: 'uuid', description: "A member's user id (yours to leave), or a pending invitation's id" })
  @ApiOperation({ operationId: 'removeMember', summary: 'Remove a member, leave the organization, or revoke an invitation' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems([400, 'Invalid user id'], [403, 'Admins remove members, owners remove owners'], [409, 'The last owner cannot leave'])
  async remove(@Param('userId', uuidParam('userId')) userId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(authSubjects.removeMember, { userId }, caller);
  }
}
