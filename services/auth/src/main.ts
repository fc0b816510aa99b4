import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError } from '@llmlab/config';
import { loadMasterKey } from '@llmlab/crypto';
import { repositoryRoot } from '@llmlab/persistence';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { authConfig, authEnv } from './auth.config';
import { AuthModule } from './auth.module';
import { startReadModelConsumer } from './read-models/read-model.consumer';

bootstrapDomainService({
  name: 'auth',
  env: authEnv,
  modules: (runtime) => [
    AuthModule.forRoot(runtime, loadMasterKey(authConfig(runtime), join(repositoryRoot(), '.llmlab', 'master.key'), runtime.logger)),
  ],
  afterStart: startReadModelConsumer,
}).catch((err: unknown) => {
  const msg = err instanceof ConfigError ? err.message : `auth failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(JSON.stringify({ level: 'fatal', service: 'auth', msg }) + '\n');
  process.exit(1);
});
