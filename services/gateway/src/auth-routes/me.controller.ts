import { Body, Controller, Delete, Get, HttpCode, Req } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import type { FastifyRequest } from 'fastify';
import { Authenticated, Caller } from '../identity/identity.decorators';
import type { Principal } from '../identity/principal';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { MeDto } from './auth.dto';
import { EraseMeDto, PersonalDataExportDto } from './me.dto';

/** An API key describes itself from what the gateway already resolved; a user's profile lives in auth. */
function apiKeyIdentity(principal: Extract<Principal, { type: 'api_key' }>): MeDto {
  const { id, name, prefix, organizationId, projectId, scopes, expiresAt } = principal.key;
  return { type: 'api_key', apiKey: { id, name, prefix, organizationId, projectId, scopes, expiresAt } };
}

@ApiTags('me')
@Controller('v1/me')
export class MeController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Authenticated({ apiKeys: true })
  @ApiOperation({ operationId: 'getMe', summary: 'Who the credentials belong to: the user and their organizations, or the API key' })
  @ApiOkResponse({ type: MeDto })
  async me(@Req() req: FastifyRequest): Promise<MeDto> {
    const { principal, context } = req.identity!;
    if (principal?.type === 'api_key') return apiKeyIdentity(principal);
    return { type: 'user', ...(await this.client.call(authSubjects.me, {}, context)) };
  }

  @Get('export')
  @Authenticated()
  @ApiOperation({
    operationId: 'exportMyData',
    summary: 'Everything LLMLab holds about the signed-in user, as JSON (GDPR art. 15 and 20)',
    description:
      'Profile, memberships, invitations sent and received, API keys created (metadata only) and sessions (when and where ' +
      'they were used). Never a password hash, token or key hash. See docs/security.md, "Your data".',
  })
  @ApiOkResponse({ type: PersonalDataExportDto })
  @ApiProblems([403, 'API keys cannot ask for it'])
  exportMyData(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.exportMe, {}, caller);
  }

  @Delete()
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({
    operationId: 'eraseMe',
    summary: "Erase the signed-in user's account (GDPR art. 17), confirmed with the password",
    description:
      'The name and email become unreadable everywhere (their key is destroyed), every session is revoked, and the user ' +
      'leaves every organization. An organization the user alone is in is closed; one the user alone owns while others ' +
      'are in it refuses the erasure (409 SOLE_OWNER, naming it) until another member is made owner. API keys the user ' +
      'created stay: they belong to the organization. The address may sign up again afterwards, as a new account.',
  })
  @ApiBody({ type: EraseMeDto })
  @ApiNoContentResponse({ description: 'Erased.' })
  @ApiProblems(
    [400, 'Invalid body'],
    [403, 'Wrong password (field /password), or an API key'],
    [409, 'The only owner of organizations with other members (SOLE_OWNER, each named as /organizations/{id})'],
  )
  async eraseMe(@Body() body: EraseMeDto, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(authSubjects.eraseMe, { password: body.password }, caller);
  }
}
