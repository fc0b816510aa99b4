import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { auditEnv } from './audit.config';
import { AuditModule } from './audit.module';

void bootstrapDomainService({ name: 'audit', env: auditEnv, module: AuditModule });
