import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { proxyEnv } from './proxy.config';
import { ProxyModule } from './proxy.module';

void bootstrapDomainService({ name: 'proxy', env: proxyEnv, module: ProxyModule });
