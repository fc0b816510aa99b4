import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { AuditModule } from './audit.module';

void bootstrapDomainService({ name: 'audit', module: AuditModule });
