import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { SealedChannelConfig } from '@llmlab/contracts';
import { decrypt, encrypt, KEY_BYTES, MasterKey } from './master-key';

/**
 * Envelope encryption of channel configurations (URLs of Slack and Discord webhooks are secrets, and so is a
 * webhook's signing secret): a fresh data key per seal, bound with the configuration to its channel id, and
 * wrapped by the master key. A rotated master key only has to re-wrap data keys.
 */
@Injectable()
export class ChannelConfigCipher {
  constructor(private readonly master: MasterKey) {}

  seal(channelId: string, config: unknown): SealedChannelConfig {
    const dataKey = randomBytes(KEY_BYTES);
    return {
      algorithm: 'aes-256-gcm',
      wrappedKey: this.master.wrap(dataKey, label(channelId)),
      ciphertext: encrypt(dataKey, JSON.stringify(config), label(channelId)),
    };
  }

  /** Throws when the key, the channel id or a byte does not match: the configuration is then unusable. */
  open(channelId: string, sealed: SealedChannelConfig): unknown {
    const dataKey = this.master.unwrap(sealed.wrappedKey, label(channelId));
    return JSON.parse(decrypt(dataKey, sealed.ciphertext, label(channelId)).toString('utf8'));
  }
}

function label(channelId: string): string {
  return `alerts:channel-config:${channelId}`;
}
