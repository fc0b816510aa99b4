import { Body, Controller, Get, Patch, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { reconciliationSubjects, type RequestContext } from '@llmlab/contracts';
import { resolveRange } from '../http/date-range.dto';
import { EtagInterceptor, IfMatch } from '../http/etag';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import {
  ReconciliationQueryDto,
  ReconciliationReportDto,
  ReconciliationSettingsDto,
  TokenReconciliationQueryDto,
  TokenReconciliationReportDto,
  UpdateReconciliationSettingsDto,
} from './reconciliation.dto';

const RANGE = 'The range `[from, to)` (the 30 days before now by default) is widened to the whole UTC days it touches, at most 400.';
const ETAG = {
  ETag: { description: 'The revision, for If-Match ("-1" while on the defaults)', schema: { type: 'string', example: '"-1"' } },
};

@ApiTags('reconciliation')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId')
export class ReconciliationController {
  constructor(private readonly client: ServiceClient) {}

  @Get('reconciliation')
  @Access('reconciliation:read')
  @ApiOperation({
    operationId: 'getReconciliation',
    summary:
      'What the providers billed against what was recorded, per UTC day and provider (and model or project), with statuses and totals',
    description: `${RANGE} Billed figures come from the provider connections' imports; recorded ones from the usage ledger.`,
  })
  @ApiOkResponse({ type: ReconciliationReportDto })
  @ApiProblems([400, 'Invalid range, groupBy or provider'], [403, 'API keys cannot read the reconciliation'])
  reconciliation(@Query() query: ReconciliationQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(
      reconciliationSubjects.reconciliation,
      { ...resolveRange(query), groupBy: query.groupBy ?? 'day', ...(query.provider ? { provider: query.provider } : {}) },
      caller,
    );
  }

  @Get('reconciliation/tokens')
  @Access('reconciliation:read')
  @ApiOperation({
    operationId: 'getTokenReconciliation',
    summary: "Recorded against the providers' reported tokens per UTC day and model: a missing caller or a wrong price",
    description: RANGE,
  })
  @ApiOkResponse({ type: TokenReconciliationReportDto })
  @ApiProblems([400, 'Invalid range or provider'], [403, 'API keys cannot read the reconciliation'])
  tokens(@Query() query: TokenReconciliationQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(
      reconciliationSubjects.tokenReconciliation,
      { ...resolveRange(query), ...(query.provider ? { provider: query.provider } : {}) },
      caller,
    );
  }
}

@ApiTags('reconciliation')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/reconciliation-settings')
@UseInterceptors(EtagInterceptor)
export class ReconciliationSettingsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('reconciliation:read')
  @ApiOperation({
    operationId: 'getReconciliationSettings',
    summary: "The organization's reconciliation tolerance (1 % or 0.01 USD by default)",
  })
  @ApiOkResponse({ type: ReconciliationSettingsDto, headers: ETAG })
  @ApiProblems([403, 'API keys cannot read the reconciliation settings'])
  get(@Caller() caller: RequestContext) {
    return this.client.call(reconciliationSubjects.getSettings, {}, caller);
  }

  @Patch()
  @Access('reconciliation:configure')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read before: apply only if nobody changed it since.' })
  @ApiOperation({
    operationId: 'updateReconciliationSettings',
    summary: 'Change the reconciliation tolerance (admins)',
    description: 'A row is matched when |billed − recorded| is at most `amount` USD, or at most `percent` % of the bill.',
  })
  @ApiBody({ type: UpdateReconciliationSettingsDto })
  @ApiOkResponse({ type: ReconciliationSettingsDto, headers: ETAG })
  @ApiProblems([400, 'Invalid body or If-Match'], [403, 'Admins only'], [409, 'Changed since the If-Match revision'])
  update(@Body() body: UpdateReconciliationSettingsDto, @IfMatch() expectedRevision: number | undefined, @Caller() caller: RequestContext) {
    return this.client.call(reconciliationSubjects.updateSettings, { tolerance: body.tolerance, expectedRevision }, caller);
  }
}
