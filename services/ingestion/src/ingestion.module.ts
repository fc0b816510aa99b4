import { Module } from '@nestjs/common';
import { ReadModelsModule } from './read-models/read-models.module';

/** The ingestion service: owns the usage ledger, the pricing catalog and traces. */
@Module({ imports: [ReadModelsModule] })
export class IngestionModule {}
