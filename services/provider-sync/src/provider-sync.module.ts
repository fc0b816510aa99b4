import { Module } from '@nestjs/common';
import { ReadModelsModule } from './read-models/read-models.module';

/** The provider-sync service: owns provider connections (encrypted credentials), sync runs and imported provider costs. */
@Module({ imports: [ReadModelsModule] })
export class ProviderSyncModule {}
