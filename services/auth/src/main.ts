import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { AuthModule } from './auth.module';

void bootstrapDomainService({ name: 'auth', modules: () => [AuthModule] });
