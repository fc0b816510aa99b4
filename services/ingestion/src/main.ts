import 'reflect-metadata';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { IngestionCore } from './ingestion.core';
import { ingestionEnv } from './ingestion.config';
import { IngestionModule } from './ingestion.module';

let core: IngestionCore | undefined;

void bootstrapDomainService({
  name: 'ingestion',
  env: ingestionEnv,
  modules: (runtime) => {
    core = new IngestionCore(runtime);
    return [IngestionModule.forRoot(core)];
  },
  afterStart: () => core!.start(),
});
