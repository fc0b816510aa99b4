import { Injectable, Module } from '@nestjs/common';
import { backgroundWorkers, RUNTIME, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { CostController } from './costs/cost.controller';
import { CostQueries } from './costs/cost.queries';
import { IngestionCore } from './ingestion.core';
import { PriceCatalogHandler, type PriceCatalogHandlerOptions } from './price-catalog/price-catalog.handler';
import { PricingController } from './price-catalog/pricing.controller';
import { PricingModelsQueries } from './price-catalog/pricing-models.queries';
import { PriceOverrideHandler } from './price-overrides/price-override.handler';
import { ReadModelsModule } from './read-models/read-models.module';

/** Where a price refresh reads the genai-prices data; tests provide their own dataset. */
export const PRICE_DATA_LOADER = Symbol('PRICE_DATA_LOADER');

@Injectable()
class IngestionCoreWorker implements BackgroundWorker {
  readonly name = 'ingestion core';
  constructor(private readonly core: IngestionCore) {}
  start(): Promise<void> {
    return this.core.start();
  }
  async stop(): Promise<void> {
    // The core's parts registered their own stops with the runtime when they started.
  }
}

/** The ingestion service: owns the usage ledger, the pricing catalog and traces. */
@Module({
  imports: [ReadModelsModule],
  controllers: [CostController, PricingController],
  providers: [
    {
      provide: IngestionCore,
      inject: [RUNTIME, { token: PRICE_DATA_LOADER, optional: true }],
      useFactory: (runtime: ServiceRuntime, loadProviders?: PriceCatalogHandlerOptions['loadProviders']) =>
        new IngestionCore(runtime, { loadProviders }),
    },
    CostQueries,
    PricingModelsQueries,
    { provide: PriceCatalogHandler, inject: [IngestionCore], useFactory: (core: IngestionCore) => core.catalog },
    { provide: PriceOverrideHandler, inject: [IngestionCore], useFactory: (core: IngestionCore) => core.overrides },
    IngestionCoreWorker,
    backgroundWorkers(IngestionCoreWorker),
  ],
})
export class IngestionModule {}
