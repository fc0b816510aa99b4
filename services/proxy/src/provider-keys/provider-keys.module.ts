import { Module } from '@nestjs/common';
import { MasterKeyRing, SubjectKeyStore } from '@llmlab/crypto';
import { WriteEffects } from '@llmlab/messaging';
import { createOutboundPolicy, OutboundClient } from '@llmlab/notifications';
import { LOGGER, masterKeyProvider, PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../proxy.config';
import { PROXY_READ_MODELS, ProxyProjection } from '../read-models/proxy.projection';
import { ReadModelsModule } from '../read-models/read-models.module';
import { ReadModelsWorker } from '../read-models/read-models.worker';
import { ProviderKeyCipher } from './provider-key.cipher';
import { ProviderKeysController } from './provider-keys.controller';
import { PROXY_OUTBOUND, ProviderKeysHandler } from './provider-keys.handler';
import { ProviderKeysRepository } from './provider-keys.repository';
import { StoredUpstreams } from './stored-upstreams';

/**
 * A project's provider keys: their commands and queries (over NATS, from the gateway's
 * `/v1/projects/{projectId}/provider-keys`), the projection writing their read model, and `StoredUpstreams`, which
 * the data path asks for a project's opened key.
 */
@Module({
  imports: [ReadModelsModule],
  controllers: [ProviderKeysController],
  providers: [
    masterKeyProvider,
    {
      provide: ProviderKeyCipher,
      inject: [PG_POOL, MasterKeyRing],
      useFactory: (pool: Pool, ring: MasterKeyRing) => new ProviderKeyCipher(new SubjectKeyStore(pool, ring, 'proxy.provider_key_keys')),
    },
    {
      provide: PROXY_OUTBOUND,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ProxyConfig) => new OutboundClient(createOutboundPolicy({ trustedOrigins: config.PROXY_TRUSTED_ORIGINS })),
    },
    {
      provide: WriteEffects,
      inject: [PG_POOL, SERVICE_CONFIG, LOGGER],
      useFactory: (pool: Pool, config: ProxyConfig, logger: Logger) =>
        new WriteEffects(pool, PROXY_READ_MODELS, config.PROXY_READ_YOUR_WRITES_TIMEOUT_MS, logger),
    },
    {
      provide: StoredUpstreams,
      inject: [ProviderKeysRepository, ProviderKeyCipher, PROXY_OUTBOUND, SERVICE_CONFIG],
      useFactory: (repository: ProviderKeysRepository, cipher: ProviderKeyCipher, outbound: OutboundClient, config: ProxyConfig) =>
        new StoredUpstreams(repository, cipher, outbound, config.PROXY_PROVIDER_KEY_CACHE_MS),
    },
    ProxyProjection,
    ProviderKeysRepository,
    ProviderKeysHandler,
    ReadModelsWorker,
  ],
  exports: [StoredUpstreams, ReadModelsWorker, WriteEffects],
})
export class ProviderKeysModule {}
