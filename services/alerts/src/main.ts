import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError } from '@llmlab/config';
import { loadMasterKey } from '@llmlab/crypto';
import { repositoryRoot } from '@llmlab/persistence';
import { bootstrapDomainService } from '@llmlab/service-kit';
import { AlertsCore } from './alerts.core';
import { alertsConfig, alertsEnv } from './alerts.config';
import { AlertsModule } from './alerts.module';

let core: AlertsCore | undefined;

bootstrapDomainService({
  name: 'alerts',
  env: alertsEnv,
  modules: (runtime) => {
    const masterKeys = loadMasterKey(alertsConfig(runtime), join(repositoryRoot(), '.llmlab', 'master.key'), runtime.logger);
    core = new AlertsCore(runtime, masterKeys);
    return [AlertsModule.forRoot(core)];
  },
  afterStart: () => core!.start(),
}).catch((err: unknown) => {
  const msg = err instanceof ConfigError ? err.message : `alerts failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(JSON.stringify({ level: 'fatal', service: 'alerts', msg }) + '\n');
  process.exit(1);
});
