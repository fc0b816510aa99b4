import { Module } from '@nestjs/common';
import { PricingRefreshPolicy } from './pricing-refresh.policy';
import { OrganizationPricingController, PricingModelsController } from './pricing.controller';

/** The price catalog, organization prices and catalog refreshes, owned by the ingestion service. */
@Module({
  controllers: [PricingModelsController, OrganizationPricingController],
  providers: [PricingRefreshPolicy],
})
export class PricingModule {}
