import type { SealedCredentials } from '@llmlab/contracts';
import { SubjectCipher, type SubjectKeyStore } from '@llmlab/crypto';

/**
 * A connection's admin key, sealed as `{ adminKey }` under the connection's own data key in
 * `provider_sync.connection_keys` (libs/crypto `SubjectCipher`). Events carry only the ciphertext; the read model
 * carries nothing of it.
 */
export class CredentialsCipher {
  private readonly cipher: SubjectCipher;

  constructor(keys: SubjectKeyStore) {
    this.cipher = new SubjectCipher(keys, 'provider-sync:credentials');
  }

  seal(connectionId: string, adminKey: string): Promise<SealedCredentials> {
    return this.cipher.seal(connectionId, JSON.stringify({ adminKey }));
  }

  async open(connectionId: string, sealed: SealedCredentials): Promise<string> {
    const text = await this.cipher.open(connectionId, sealed);
    if (text === undefined) throw new Error(`the credentials of connection ${connectionId} cannot be opened (no data key, or not its own)`);
    return (JSON.parse(text) as { adminKey: string }).adminKey;
  }
}
