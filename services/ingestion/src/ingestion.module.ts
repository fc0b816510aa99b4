import { DynamicModule, Module } from '@nestjs/common';
import { CostController } from './costs/cost.controller';
import { CostQueries } from './costs/cost.queries';
import type { IngestionCore } from './ingestion.core';
import { PriceCatalogHandler } from './price-catalog/price-catalog.handler';
import { PricingController } from './price-catalog/pricing.controller';
import { PricingModelsQueries } from './price-catalog/pricing-models.queries';
import { PriceOverrideHandler } from './price-overrides/price-override.handler';
import { ReadModelsModule } from './read-models/read-models.module';

/** The ingestion service: owns the usage ledger, the pricing catalog and traces. */
@Module({})
export class IngestionModule {
  static forRoot(core: IngestionCore): DynamicModule {
    return {
      module: IngestionModule,
      imports: [ReadModelsModule],
      controllers: [CostController, PricingController],
      providers: [
        CostQueries,
        PricingModelsQueries,
        { provide: PriceCatalogHandler, useValue: core.catalog },
        { provide: PriceOverrideHandler, useValue: core.overrides },
      ],
    };
  }
}
