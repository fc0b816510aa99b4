import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { loadMasterKey, MasterKeyRing, type MasterKeySource } from '@llmlab/crypto';
import { repositoryRoot } from '@llmlab/persistence';
import { LOGGER, SERVICE_CONFIG } from './tokens';

/**
 * The master key ring (MASTER_ENCRYPTION_KEY, and MASTER_ENCRYPTION_KEY_PREVIOUS during a rotation) of a service
 * that encrypts: `providers: [masterKeyProvider, ...]`, then inject `MasterKeyRing`. Outside production a
 * development key is made once in `.llmlab/master.key`; in production a missing key stops the start, naming it.
 */
export const masterKeyProvider: Provider = {
  provide: MasterKeyRing,
  inject: [SERVICE_CONFIG, LOGGER],
  useFactory: (config: MasterKeySource, logger: Logger) => loadMasterKey(config, join(repositoryRoot(), '.llmlab', 'master.key'), logger),
};
