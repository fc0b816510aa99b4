import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { IngestionModule } from './ingestion.module';

void bootstrapDomainService({ name: 'ingestion', modules: () => [IngestionModule] });
