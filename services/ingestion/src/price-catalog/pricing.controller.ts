import {
  ingestionSubjects,
  type CreatePriceOverrideRequest,
  type PriceOverrideRef,
  type PriceOverridesRequest,
  type PricingModelsRequest,
  type RefreshPricingRequest,
  type RequestEnvelope,
} from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { metadataFromContext } from '@llmlab/service-kit';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PriceOverrideHandler } from '../price-overrides/price-override.handler';
import { PriceCatalogHandler } from './price-catalog.handler';
import { PricingModelsQueries } from './pricing-models.queries';

@Controller()
export class PricingController {
  constructor(
    private readonly models: PricingModelsQueries,
    private readonly catalog: PriceCatalogHandler,
    private readonly overrides: PriceOverrideHandler,
  ) {}

  @MessagePattern(ingestionSubjects.pricingModels.subject)
  pricingModels(@Payload() envelope: RequestEnvelope<PricingModelsRequest>) {
    return handleRequest(ingestionSubjects.pricingModels, envelope, (p) => this.models.list(p));
  }

  @MessagePattern(ingestionSubjects.refreshPricing.subject)
  refresh(@Payload() envelope: RequestEnvelope<RefreshPricingRequest>) {
    return handleRequest(ingestionSubjects.refreshPricing, envelope, (p) => this.catalog.refresh(p, metadataFromContext()));
  }

  @MessagePattern(ingestionSubjects.listPriceOverrides.subject)
  listOverrides(@Payload() envelope: RequestEnvelope<PriceOverridesRequest>) {
    return handleRequest(ingestionSubjects.listPriceOverrides, envelope, (p) => this.overrides.list(p.organizationId));
  }

  @MessagePattern(ingestionSubjects.createPriceOverride.subject)
  createOverride(@Payload() envelope: RequestEnvelope<CreatePriceOverrideRequest>) {
    return handleRequest(ingestionSubjects.createPriceOverride, envelope, (p, ctx) => this.overrides.create(p, ctx));
  }

  @MessagePattern(ingestionSubjects.deletePriceOverride.subject)
  deleteOverride(@Payload() envelope: RequestEnvelope<PriceOverrideRef>) {
    return handleRequest(ingestionSubjects.deletePriceOverride, envelope, (p) => this.overrides.remove(p));
  }
}
