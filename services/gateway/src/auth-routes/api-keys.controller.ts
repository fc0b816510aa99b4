import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './projects.dto';
import { uuidParam } from '../http/uuid-param';

@ApiTags('api-keys')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/api-keys')
export class ApiKeysController {
  constructor(private readonly client: ServiceClient) {}

  @Post()
  @Access('api-keys:manage')
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key for the project (admins); the secret is returned once' })
  @ApiBody({ type: CreateApiKeyDto })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems(
    [400, 'Invalid body, or expiresAt not in the future'],
    [403, 'Admins only, with an access token'],
    [409, 'The project is archived'],
  )
  create(@Body() body: CreateApiKeyDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.createApiKey, body, caller);
  }

  @Get()
  @Access('api-keys:manage')
  @ApiOperation({ operationId: 'listApiKeys', summary: "The project's API keys, revoked ones included (never the secrets)" })
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiProblems([403, 'Admins only, with an access token'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.listApiKeys, {}, caller);
  }

  @Delete(':keyId')
  @HttpCode(204)
  @Access('api-keys:manage')
  @ApiParam({ name: 'keyId', format: 'uuid' })
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key; every gateway refuses it within 5 seconds' })
  @ApiNoContentResponse({ description: 'Revoked (also when it already was)' })
  @ApiProblems([400, 'Invalid key id'], [403, 'Admins only, with an access token'])
  async revoke(@Param('keyId', uuidParam('keyId')) apiKeyId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(authSubjects.revokeApiKey, { apiKeyId }, caller);
  }
}
