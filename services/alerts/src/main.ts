import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { alertsEnv } from './alerts.config';
import { AlertsModule } from './alerts.module';

void bootstrapDomainService({ name: 'alerts', env: alertsEnv, module: AlertsModule });
