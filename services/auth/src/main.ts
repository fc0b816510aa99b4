import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { authEnv } from './auth.config';
import { AuthModule } from './auth.module';

void bootstrapDomainService({ name: 'auth', env: authEnv, module: AuthModule });
