import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ingestionSubjects, type EndUserErasedResult, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';

export class EndUserErasedDto implements EndUserErasedResult {
  @ApiProperty({
    example: '[erased eu_5d41402abc4b2a76b9719d911017c592]',
    description: 'What usage records, breakdowns, traces and exports show in place of the id from now on.',
  })
  marker!: string;

  @ApiProperty({ description: 'Usage records re-keyed to the marker.' })
  records!: number;

  @ApiProperty({ description: 'Traces re-keyed to the marker.' })
  traces!: number;

  @ApiProperty({ description: "Captured prompts and completions of the end user's spans deleted." })
  contents!: number;
}

@ApiTags('usage')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/end-users')
export class EndUsersController {
  constructor(private readonly client: ServiceClient) {}

  @Post(':userId/erase')
  @HttpCode(200)
  @Access('end-users:erase')
  @ApiParam({ name: 'userId', description: 'The `userId` your usage events and spans carry (1 to 256 characters).' })
  @ApiOperation({
    operationId: 'eraseEndUser',
    summary: 'Erase an end user of the project (owners and admins)',
    description:
      'The usage ledger only ever held a keyed pseudonym of the id; erasure deletes the mapping from that pseudonym to the id, ' +
      'shows the erased marker in its place in usage records, breakdowns, traces and exports, and deletes the end ' +
      "user's captured prompts and completions. Costs and totals are unchanged, and the audit log still verifies. " +
      'Idempotent: erasing again finds nothing. Usage sent for the same id afterwards is recorded under the id again. ' +
      'Recorded as EndUserErased (the pseudonym only).',
  })
  @ApiOkResponse({ type: EndUserErasedDto })
  @ApiProblems([400, 'Invalid user id'], [403, 'Owners and admins only; API keys cannot erase'])
  erase(@Param('userId') userId: string, @Caller() caller: RequestContext): Promise<EndUserErasedResult> {
    return this.client.call(ingestionSubjects.eraseEndUser, { userId }, caller);
  }
}
