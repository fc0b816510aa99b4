import type { SealedCredentials } from '@llmlab/contracts';
import { openText, sealText, type SubjectKeyStore } from '@llmlab/crypto';

/**
 * Envelope encryption of a connection's admin key (libs/crypto): the connection's own data key in
 * `provider_sync.connection_keys`, wrapped by the master key, seals `{ adminKey }` bound to the connection id. Events
 * carry only the ciphertext; the read model carries nothing of it.
 */
export class CredentialsCipher {
  constructor(private readonly keys: SubjectKeyStore) {}

  async seal(connectionId: string, adminKey: string): Promise<SealedCredentials> {
    const key = await this.keys.ensure(connectionId);
    return { algorithm: 'aes-256-gcm', ciphertext: sealText(key, JSON.stringify({ adminKey }), label(connectionId)) };
  }

  async open(connectionId: string, sealed: SealedCredentials): Promise<string> {
    const key = await this.keys.get(connectionId);
    if (!key) throw new Error(`no data key for connection ${connectionId}`);
    return (JSON.parse(openText(key, sealed.ciphertext, label(connectionId))) as { adminKey: string }).adminKey;
  }
}

const label = (connectionId: string) => `provider-sync:credentials:${connectionId}`;
