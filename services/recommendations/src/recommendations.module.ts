import { Module } from '@nestjs/common';
import { backgroundWorkers } from '@llmlab/service-kit';
import { ReadModelsModule } from './read-models/read-models.module';
import { TrafficModule } from './traffic/traffic.module';
import { TrafficWorker } from './traffic/traffic.worker';

/** The recommendations service: owns recommendations, their lifecycle, and forecasts. */
@Module({ imports: [ReadModelsModule, TrafficModule], providers: [backgroundWorkers(TrafficWorker)] })
export class RecommendationsModule {}
