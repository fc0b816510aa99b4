import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { authSubjects } from '@llmlab/contracts';
import type { FastifyRequest } from 'fastify';
import { Authenticated } from '../identity/identity.decorators';
import type { Principal } from '../identity/principal';
import { ServiceClient } from '../messaging/service-client';
import { MeDto } from './auth.dto';

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
}
