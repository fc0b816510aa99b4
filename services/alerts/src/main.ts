import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { AlertsModule } from './alerts.module';

void bootstrapDomainService({ name: 'alerts', modules: () => [AlertsModule] });
