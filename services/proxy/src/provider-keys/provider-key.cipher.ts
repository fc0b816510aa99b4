import type { SealedProviderKey } from '@llmlab/contracts';
import { openText, sealText, type SubjectKeyStore } from '@llmlab/crypto';

/**
 * Envelope encryption of stored provider keys (libs/crypto): each stored key has its own data key in
 * `proxy.provider_key_keys`, wrapped by the master key, and is sealed under it bound to its id. Events and the read
 * model carry only the ciphertext; destroying the data key (on removal or replacement) makes every copy unreadable.
 */
export class ProviderKeyCipher {
  constructor(private readonly keys: SubjectKeyStore) {}

  async seal(providerKeyId: string, key: string): Promise<SealedProviderKey> {
    const dataKey = await this.keys.ensure(providerKeyId);
    return { algorithm: 'aes-256-gcm', ciphertext: sealText(dataKey, key, label(providerKeyId)) };
  }

  /** The key in clear, or undefined when its data key is gone (removed meanwhile) or does not open it. */
  async open(providerKeyId: string, sealed: SealedProviderKey): Promise<string | undefined> {
    const dataKey = await this.keys.get(providerKeyId);
    if (!dataKey) return undefined;
    try {
      return openText(dataKey, sealed.ciphertext, label(providerKeyId));
    } catch {
      return undefined;
    }
  }

  destroy(providerKeyId: string): Promise<void> {
    return this.keys.destroy(providerKeyId);
  }
}

const label = (providerKeyId: string) => `proxy:provider-key:${providerKeyId}`;
