import { loadMasterKeyBytes, type MasterKeySource, type WarningLogger } from '@llmlab/config';
import { MasterKey } from './field-cipher';

/** The auth service's master key (see loadMasterKeyBytes for where it comes from and when start-up refuses). */
export function loadMasterKey(env: MasterKeySource, devKeyFile: string, logger: WarningLogger): MasterKey {
  return new MasterKey(loadMasterKeyBytes(env, devKeyFile, logger));
}
