import { Module } from '@nestjs/common';
import { MasterKeyRing, SubjectKeyStore } from '@llmlab/crypto';
import { createOutboundPolicy, OutboundClient } from '@llmlab/notifications';
import { backgroundWorkers, masterKeyProvider, PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { AnthropicPlugin } from '../plugins/anthropic.plugin';
import { OpenAiPlugin } from '../plugins/openai.plugin';
import { ProviderPluginRegistry } from '../plugins/provider-plugin';
import type { ProviderSyncConfig } from '../provider-sync.config';
import { ReadModelsModule } from '../read-models/read-models.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { ImportedCostsReader } from '../sync/imported-costs.reader';
import { ProviderCostsQueries } from '../sync/provider-costs.queries';
import { SyncRunner } from '../sync/sync.runner';
import { SyncScheduler } from '../sync/sync.scheduler';
import { ReconcileAfterSyncWorker } from '../sync/reconcile-after-sync.worker';
import { ConnectionStore } from './connection.store';
import { ConnectionsHandler, PROVIDER_OUTBOUND } from './connections.handler';
import { CredentialsCipher } from './credentials.cipher';
import { ProviderSyncController } from './provider-sync.controller';

/** Provider connections, their sync runs (manual and daily) and the imported costs; the reconciliation reads them. */
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
    ConnectionStore,
    ConnectionsHandler,
    ProviderCostsQueries,
    SyncRunner,
    SyncScheduler,
    ReconcileAfterSyncWorker,
    backgroundWorkers(ReconcileAfterSyncWorker, SyncScheduler),
  ],
})
export class ConnectionsModule {}
