import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { PROXY_PROVIDER_IDS, proxySubjects, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { ProviderKeyDto, StoreProviderKeyDto } from './provider-keys.dto';

@ApiTags('proxy')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/provider-keys')
export class ProviderKeysController {
  constructor(private readonly client: ServiceClient) {}

  @Post()
  @Access('provider-keys:manage')
  @ApiOperation({
    operationId: 'storeProviderKey',
    summary: "Store the project's key for a provider (owners and admins): encrypted, used by the proxy upstream, never returned",
    description:
      'A caller of the proxy that authenticates with its LLMLab API key in place of the provider key gets this key sent ' +
      'upstream. Storing again replaces the key of that provider; the old one is destroyed.',
  })
  @ApiBody({ type: StoreProviderKeyDto })
  @ApiCreatedResponse({ type: ProviderKeyDto })
  @ApiProblems([400, 'Invalid provider, key or baseUrl'], [403, 'Owners and admins only, with an access token'])
  store(@Body() body: StoreProviderKeyDto, @Caller() caller: RequestContext) {
    return this.client.call(proxySubjects.storeProviderKey, body, caller);
  }

  @Get()
  @Access('provider-keys:manage')
  @ApiOperation({
    operationId: 'listProviderKeys',
    summary: "The project's stored provider keys (never the keys: their last 4 characters)",
  })
  @ApiOkResponse({ type: [ProviderKeyDto] })
  @ApiProblems([403, 'Owners and admins only, with an access token'])
  list(@Caller() caller: RequestContext) {
    return this.client.call(proxySubjects.listProviderKeys, {}, caller);
  }

  @Delete(':provider')
  @HttpCode(204)
  @Access('provider-keys:manage')
  @ApiParam({ name: 'provider', enum: PROXY_PROVIDER_IDS })
  @ApiOperation({
    operationId: 'removeProviderKey',
    summary: "Remove the project's key for a provider: destroyed, out of use within seconds",
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems([403, 'Owners and admins only, with an access token'], [404, 'No key stored for that provider'])
  async remove(@Param('provider') provider: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(proxySubjects.removeProviderKey, { provider }, caller);
  }
}
