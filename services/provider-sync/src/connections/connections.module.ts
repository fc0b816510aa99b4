import { Module } from '@nestjs/common';
import { MasterKeyRing, SubjectKeyStore } from '@llmlab/crypto';
import { createOutboundPolicy, OutboundClient } from '@llmlab/notifications';
import { WriteEffects } from '@llmlab/messaging';
import { backgroundWorkers, LOGGER, masterKeyProvider, PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { AnthropicPlugin } from '../plugins/anthropic.plugin';
import { OpenAiPlugin } from '../plugins/openai.plugin';
import { ProviderPluginRegistry } from '../plugins/provider-plugin';
import type { ProviderSyncConfig } from '../provider-sync.config';
import { PROVIDER_SYNC_READ_MODELS, ProviderSyncProjection } from '../read-models/provider-sync.projection';
import { ReadModelsModule } from '../read-models/read-models.module';
import { ReadModelsWorker } from '../read-models/read-models.worker';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { ImportedCostsReader } from '../sync/imported-costs.reader';
import { ProviderCostsQueries } from '../sync/provider-costs.queries';
import { ReconciliationAfterSyncWorker } from '../sync/reconciliation-after-sync.worker';
import { SyncRunner } from '../sync/sync.runner';
import { SyncScheduler } from '../sync/sync.scheduler';
import { ConnectionsHandler, PROVIDER_OUTBOUND } from './connections.handler';
import { ConnectionsRepository } from './connections.repository';
import { CredentialsCipher } from './credentials.cipher';
import { ProviderSyncController } from './provider-sync.controller';

/**
 * Provider connections, their sync runs (manual and daily) and the imported costs, the projection writing their read
 * models, and the reconciliation report after each completed run; the reconciliation reads them.
 */
@Module({
  imports: [ReadModelsModule, ReconciliationModule.withBilledSpend(ImportedCostsReader, [ReadModelsModule])],
  controllers: [ProviderSyncController],
  providers: [
    masterKeyProvider,
    {
      provide: CredentialsCipher,
      inject: [PG_POOL, MasterKeyRing],
      useFactory: (pool: Pool, ring: MasterKeyRing) =>
        new CredentialsCipher(new SubjectKeyStore(pool, ring, 'provider_sync.connection_keys')),
    },
    {
      provide: PROVIDER_OUTBOUND,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ProviderSyncConfig) =>
        new OutboundClient(
          createOutboundPolicy({
            trustedOrigins: config.PROVIDER_SYNC_TRUSTED_ORIGINS,
            timeoutMs: config.PROVIDER_SYNC_OUTBOUND_TIMEOUT_MS,
            maxResponseBytes: 16 << 20,
          }),
        ),
    },
    { provide: ProviderPluginRegistry, useFactory: () => new ProviderPluginRegistry([new OpenAiPlugin(), new AnthropicPlugin()]) },
    {
      provide: WriteEffects,
      inject: [PG_POOL, SERVICE_CONFIG, LOGGER],
      useFactory: (pool: Pool, config: ProviderSyncConfig, logger: Logger) =>
        new WriteEffects(pool, PROVIDER_SYNC_READ_MODELS, config.PROVIDER_SYNC_READ_YOUR_WRITES_TIMEOUT_MS, logger),
    },
    ProviderSyncProjection,
    ConnectionsRepository,
    ConnectionsHandler,
    ProviderCostsQueries,
    SyncRunner,
    SyncScheduler,
    ReadModelsWorker,
    ReconciliationAfterSyncWorker,
    // The read models first: the scheduler resumes the runs they list as running.
    backgroundWorkers(ReadModelsWorker, ReconciliationAfterSyncWorker, SyncScheduler),
  ],
})
export class ConnectionsModule {}
