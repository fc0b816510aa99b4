import { Module } from '@nestjs/common';
import { ProviderKeysController } from './provider-keys.controller';

/** The proxy's management routes (its data path is `proxy-edge`): a project's provider keys. */
@Module({ controllers: [ProviderKeysController] })
export class ProxyRoutesModule {}
