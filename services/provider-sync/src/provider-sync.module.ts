import { Module } from '@nestjs/common';
import { ConnectionsModule } from './connections/connections.module';
import { ReadModelsModule } from './read-models/read-models.module';
import { ReconciliationSettingsModule } from './reconciliation/reconciliation-settings.module';

/** The provider-sync service: owns provider connections (encrypted credentials), sync runs and imported provider costs. */
@Module({ imports: [ReadModelsModule, ReconciliationSettingsModule, ConnectionsModule] })
export class ProviderSyncModule {}
