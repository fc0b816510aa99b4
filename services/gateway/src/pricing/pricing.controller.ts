import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ingestionSubjects, type ModelPatternData, type RequestContext } from '@llmlab/contracts';
import { uuidParam } from '../http/uuid-param';
import { tenant } from '../identity/tenant-scope';
import { ServiceReplyError } from '../http/problem';
import { Access, Authenticated, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { PricingRefreshPolicy } from './pricing-refresh.policy';
import {
  CreatePriceOverrideDto,
  PriceOverrideDto,
  PriceOverrideListDto,
  PricingModelsPageDto,
  PricingModelsQueryDto,
  RefreshPricingDto,
  RefreshPricingResultDto,
} from './pricing.dto';

/** A refresh may fetch the remote dataset (30 s at most) and append a few thousand entries. */
const REFRESH_TIMEOUT_MS = 60_000;

@ApiTags('pricing')
@Controller('v1/pricing')
export class PricingModelsController {
  constructor(private readonly client: ServiceClient) {}

  @Get('models')
  @Authenticated({ apiKeys: true })
  @ApiOperation({
    operationId: 'listPricingModels',
    summary: 'The price catalog: prices in force at an instant, by provider and model, with search and pagination',
    description: 'Seeded from genai-prices (Pydantic, MIT), credited in `attribution`. Rates are USD per million tokens.',
  })
  @ApiOkResponse({ type: PricingModelsPageDto })
  @ApiProblems([400, 'Invalid query or cursor'])
  list(@Query() query: PricingModelsQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.pricingModels, query, caller);
  }
}

@ApiTags('pricing')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/pricing')
export class OrganizationPricingController {
  constructor(
    private readonly client: ServiceClient,
    private readonly refreshPolicy: PricingRefreshPolicy,
  ) {}

  @Get('overrides')
  @Access('organization:read')
  @ApiOperation({ operationId: 'listPriceOverrides', summary: "The organization's own prices, which win over the catalog while in force" })
  @ApiOkResponse({ type: PriceOverrideListDto })
  @ApiProblems([403, 'API keys cannot read organization prices'])
  listOverrides(@Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.listPriceOverrides, {}, caller);
  }

  @Post('overrides')
  @Access('pricing:manage')
  @ApiOperation({
    operationId: 'createPriceOverride',
    summary: 'Set an organization price for a provider model (admins); usage it covers is repriced',
    description:
      'Two prices of one model may not be in force at the same instant: remove the old one first, or end it where the new one starts.',
  })
  @ApiBody({ type: CreatePriceOverrideDto })
  @ApiCreatedResponse({ type: PriceOverrideDto })
  @ApiProblems([400, 'Invalid price'], [403, 'Admins only, with an access token'], [409, 'Overlaps a price of the same model'])
  createOverride(@Body() body: CreatePriceOverrideDto, @Caller() caller: RequestContext) {
    // The DTO checks each pattern's shape; which kinds take `value` and which `patterns` is the pricing engine's rule.
    const patterns = body.patterns as ModelPatternData[] | undefined;
    return this.client.call(ingestionSubjects.createPriceOverride, { ...body, patterns }, caller);
  }

  @Delete('overrides/:overrideId')
  @HttpCode(204)
  @Access('pricing:manage')
  @ApiParam({ name: 'overrideId', format: 'uuid' })
  @ApiOperation({ operationId: 'deletePriceOverride', summary: 'Remove an organization price (admins); the usage it priced is repriced' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems([400, 'Invalid override id'], [403, 'Admins only, with an access token'])
  async deleteOverride(@Param('overrideId', uuidParam('overrideId')) overrideId: string, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(ingestionSubjects.deletePriceOverride, { overrideId }, caller);
  }

  @Post('refresh')
  @HttpCode(200)
  @Access('pricing:refresh')
  @ApiOperation({
    operationId: 'refreshPriceCatalog',
    summary: 'Refresh the shared price catalog from genai-prices (owners and admins of an operator organization)',
    description:
      'Appends what changed (nothing when the data equals the catalog); history is never rewritten and usage the change ' +
      'covers is repriced. Limited to the organizations in PRICING_ADMIN_ORGANIZATIONS when set, and to ' +
      'RATE_LIMIT_PRICING_REFRESH_PER_HOUR refreshes per organization.',
  })
  @ApiBody({ type: RefreshPricingDto })
  @ApiOkResponse({ type: RefreshPricingResultDto })
  @ApiProblems(
    [400, 'Invalid source'],
    [403, 'Admins of an operator organization only, with an access token'],
    [409, 'The data cannot be merged with the catalog without guessing; nothing changed'],
    [502, 'The remote data could not be fetched or read'],
  )
  async refresh(@Body() body: RefreshPricingDto, @Caller() caller: RequestContext) {
    await this.refreshPolicy.admit(tenant(caller, 'organization').organizationId);
    const reply = await this.client.ask(ingestionSubjects.refreshPricing, { source: body.source ?? 'bundled' }, caller, REFRESH_TIMEOUT_MS);
    if (!reply.ok) throw new ServiceReplyError(reply.error);
    return reply.data;
  }
}
