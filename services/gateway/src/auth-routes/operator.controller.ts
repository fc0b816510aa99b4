import { Body, Controller, Get, Put, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { Caller, Operator } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { OperatorRateLimitsDto, SetRateLimitsDto } from './operator.dto';

const OPERATOR_PROBLEMS: [number, string][] = [
  [401, 'Not the operator token (every tenant credential is refused)'],
  [404, 'No such organization, or the operator API is off (OPERATOR_API_TOKEN unset)'],
];
const ETAG = { ETag: { description: 'The revision, for If-Match', schema: { type: 'string', example: '"3"' } } };

/**
 * What only the platform's operator decides, for any organization: never a tenant, whatever its role (an owner
 * raising its own limits, or opening more organizations to multiply them, is what this takes away).
 */
@ApiTags('operator')
@Controller('v1/operator/organizations/:orgId')
@UseInterceptors(EtagInterceptor)
export class OperatorController {
  constructor(private readonly client: ServiceClient) {}

  @Get('rate-limits')
  @Operator()
  @ApiParam({ name: 'orgId', format: 'uuid' })
  @ApiOperation({ operationId: 'getOrganizationRateLimits', summary: "An organization's rate limits (operator)" })
  @ApiOkResponse({ type: OperatorRateLimitsDto, headers: ETAG })
  @ApiProblems(...OPERATOR_PROBLEMS)
  get(@Caller() caller: RequestContext) {
    return this.client.call(authSubjects.getRateLimits, {}, caller);
  }

  @Put('rate-limits')
  @Operator()
  @ApiParam({ name: 'orgId', format: 'uuid' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({
    operationId: 'setOrganizationRateLimits',
    summary: "Set an organization's rate limits; null restores the default (operator)",
  })
  @ApiBody({ type: SetRateLimitsDto })
  @ApiOkResponse({ type: OperatorRateLimitsDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body, a limit outside 1 to the platform maximum, or If-Match'], ...OPERATOR_PROBLEMS, [
    409,
    'Changed since the If-Match revision',
  ])
  set(@Body() body: SetRateLimitsDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.setRateLimits, { ...body, expectedRevision }, caller);
  }
}
