import { Module } from '@nestjs/common';
import { ProviderKeysController } from './provider-keys.controller';
import { RoutesController } from './routes.controller';

/** The proxy's management routes (its data path is `proxy-edge`): a project's provider keys and routes. */
@Module({ controllers: [ProviderKeysController, RoutesController] })
export class ProxyRoutesModule {}
