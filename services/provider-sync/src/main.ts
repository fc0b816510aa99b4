import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { providerSyncEnv } from './provider-sync.config';
import { ProviderSyncModule } from './provider-sync.module';

void bootstrapDomainService({ name: 'provider-sync', env: providerSyncEnv, module: ProviderSyncModule });
