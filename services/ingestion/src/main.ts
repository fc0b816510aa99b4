import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { ingestionEnv } from './ingestion.config';
import { IngestionModule } from './ingestion.module';

void bootstrapDomainService({ name: 'ingestion', env: ingestionEnv, module: IngestionModule });
