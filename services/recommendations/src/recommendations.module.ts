import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { WriteEffects } from '@llmlab/messaging';
import { backgroundWorkers, LOGGER, PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import { EvaluationScheduler } from './evaluation/evaluation.scheduler';
import { ForecastQueries } from './forecasts/forecast.queries';
import { ModelEquivalenceHandler } from './model-equivalence/model-equivalence.handler';
import { RecommendationEvaluator } from './evaluation/recommendation.evaluator';
import { PriceQuoteClient } from './pricing/price-quote.client';
import { ServiceRequests } from './outbound/service-requests';
import { ReadModelsModule } from './read-models/read-models.module';
import { RealizedSavingsMeter } from './realized/realized-savings';
import { RecommenderRegistry } from './recommenders/recommender.registry';
import { RecommendationController } from './recommendations/recommendation.controller';
import { RecommendationHandler } from './recommendations/recommendation.handler';
import { RECOMMENDATIONS_READ_MODEL, RecommendationProjection } from './recommendations/recommendation.projection';
import { RecommendationQueries } from './recommendations/recommendation.queries';
import { RecommendationWorker } from './recommendations/recommendation.worker';
import type { RecommendationsConfig } from './recommendations.config';
import { TrafficModule } from './traffic/traffic.module';
import { RouteTrafficQueries } from './traffic/route-traffic.queries';
import { TrafficRepository } from './traffic/traffic.repository';
import { TrafficWorker } from './traffic/traffic.worker';
import { WhatIfQueries } from './what-if/what-if.queries';

/** The recommendations service: owns recommendations, their lifecycle, and forecasts. */
@Module({
  imports: [ReadModelsModule, TrafficModule],
  controllers: [RecommendationController],
  providers: [
    {
      provide: WriteEffects,
      inject: [PG_POOL, SERVICE_CONFIG, LOGGER],
      useFactory: (pool: Pool, config: RecommendationsConfig, logger: Logger) =>
        new WriteEffects(pool, RECOMMENDATIONS_READ_MODEL, config.RECOMMENDATIONS_READ_YOUR_WRITES_TIMEOUT_MS, logger),
    },
    TrafficRepository,
    ServiceRequests,
    PriceQuoteClient,
    WhatIfQueries,
    ForecastQueries,
    RouteTrafficQueries,
    RealizedSavingsMeter,
    ModelEquivalenceHandler,
    RecommenderRegistry,
    RecommendationEvaluator,
    RecommendationProjection,
    RecommendationQueries,
    RecommendationHandler,
    RecommendationWorker,
    EvaluationScheduler,
    backgroundWorkers(TrafficWorker, RecommendationWorker, EvaluationScheduler),
  ],
})
export class RecommendationsModule {}
