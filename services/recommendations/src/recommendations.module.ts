import { Module } from '@nestjs/common';
import { ReadModelsModule } from './read-models/read-models.module';

/** The recommendations service: owns recommendations, their lifecycle, and forecasts. */
@Module({ imports: [ReadModelsModule] })
export class RecommendationsModule {}
