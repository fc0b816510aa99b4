import { ingestionSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { metadataFromContext } from '@llmlab/service-kit';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PriceOverrideHandler } from '../price-overrides/price-override.handler';
import { PriceOverrideQueries } from '../price-overrides/price-override.queries';
import { PriceCatalogHandler } from './price-catalog.handler';
import { PricingModelsQueries } from './pricing-models.queries';
import { PriceQuoteQueries } from './price-quote.queries';

@Controller()
export class PricingController {
  constructor(
    private readonly models: PricingModelsQueries,
    private readonly catalog: PriceCatalogHandler,
    private readonly overrides: PriceOverrideHandler,
    private readonly overrideQueries: PriceOverrideQueries,
    private readonly quotes: PriceQuoteQueries,
  ) {}

  @MessagePattern(s.priceQuotes.subject)
  priceQuotes(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.priceQuotes>>) {
    return handleRequest(s.priceQuotes, envelope, (p, ctx) => this.quotes.quote(organizationScope(ctx), p));
  }

  @MessagePattern(s.pricesInForce.subject)
  pricesInForce(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.pricesInForce>>) {
    return handleRequest(s.pricesInForce, envelope, (p, ctx) => this.quotes.pricesInForce(organizationScope(ctx), p));
  }

  @MessagePattern(s.pricingModels.subject)
  pricingModels(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.pricingModels>>) {
    return handleRequest(s.pricingModels, envelope, (p) => this.models.list(p));
  }

  @MessagePattern(s.refreshPricing.subject)
  refresh(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.refreshPricing>>) {
    return handleRequest(s.refreshPricing, envelope, (p) => this.catalog.refresh(p, metadataFromContext()));
  }

  @MessagePattern(s.listPriceOverrides.subject)
  listOverrides(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listPriceOverrides>>) {
    return handleRequest(s.listPriceOverrides, envelope, (_p, ctx) => this.overrideQueries.list(organizationScope(ctx)));
  }

  @MessagePattern(s.createPriceOverride.subject)
  createOverride(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createPriceOverride>>) {
    return handleRequest(s.createPriceOverride, envelope, (p, ctx) => this.overrides.create(p, ctx));
  }

  @MessagePattern(s.deletePriceOverride.subject)
  deleteOverride(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.deletePriceOverride>>) {
    return handleRequest(s.deletePriceOverride, envelope, (p, ctx) => this.overrides.remove(p, ctx));
  }
}
