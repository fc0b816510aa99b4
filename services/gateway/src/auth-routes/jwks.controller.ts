import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import { Caller, Public } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { JwksDto } from './auth.dto';

@ApiTags('auth')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly client: ServiceClient) {}

  @Get('jwks.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ operationId: 'getJwks', summary: 'Public keys that verify access tokens: the current one and the previous one' })
  @ApiOkResponse({ type: JwksDto })
  jwks(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.jwks, {}, caller);
  }
}
