import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@llmlab/service-kit';
import { ProviderKeysModule } from '../provider-keys/provider-keys.module';
import type { ProxyConfig } from '../proxy.config';
import { ReadModelsModule } from '../read-models/read-models.module';
import { RoutesController } from './routes.controller';
import { RoutesHandler } from './routes.handler';
import { RoutesRepository } from './routes.repository';
import { StoredRoutes } from './stored-routes';

/**
 * A project's routes: their commands and queries (from the gateway's `/v1/projects/{projectId}/routes`), projected
 * with the provider keys by the proxy's read models, and `StoredRoutes`, which the data path asks per call.
 */
@Module({
  imports: [ReadModelsModule, ProviderKeysModule],
  controllers: [RoutesController],
  providers: [
    RoutesRepository,
    RoutesHandler,
    {
      provide: StoredRoutes,
      inject: [RoutesRepository, SERVICE_CONFIG],
      useFactory: (repository: RoutesRepository, config: ProxyConfig) => new StoredRoutes(repository, config.PROXY_PROVIDER_KEY_CACHE_MS),
    },
  ],
  exports: [StoredRoutes],
})
export class RoutesModule {}
