import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { ProviderSyncModule } from './provider-sync.module';

void bootstrapDomainService({ name: 'provider-sync', module: ProviderSyncModule });
