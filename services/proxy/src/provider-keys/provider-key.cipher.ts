import { SubjectCipher, type SubjectKeyStore } from '@llmlab/crypto';

/**
 * Stored provider keys, sealed each under its own data key in `proxy.provider_key_keys` (libs/crypto
 * `SubjectCipher`). Events and the read model carry only the ciphertext; destroying the data key (on removal or
 * replacement) makes every copy unreadable.
 */
export class ProviderKeyCipher extends SubjectCipher {
  constructor(keys: SubjectKeyStore) {
    super(keys, 'proxy:provider-key');
  }
}
