import type { SealedChannelConfig } from '@llmlab/contracts';
import { SubjectCipher, type MasterKeyRing, type SubjectKeyStore } from '@llmlab/crypto';
import type { Pool } from 'pg';

export type OpenedChannelConfig = { ok: true; config: unknown } | { ok: false };

/**
 * Envelope encryption of channel configurations (URLs of Slack and Discord webhooks are secrets, and so is a
 * webhook's signing secret): each channel has its own data key in `alerts.channel_keys`, wrapped by the master
 * key, and its configuration is sealed under it, bound to the channel id. The event and the read model carry only
 * the ciphertext, so rotating the master key re-wraps the key table and never has to touch an immutable event.
 */
export class ChannelConfigCipher {
  private readonly cipher: SubjectCipher;

  constructor(
    private readonly keys: SubjectKeyStore,
    private readonly ring: MasterKeyRing,
    private readonly pool: Pool,
  ) {
    this.cipher = new SubjectCipher(keys, LABEL_PURPOSE);
  }

  seal(channelId: string, config: unknown): Promise<SealedChannelConfig> {
    return this.cipher.seal(channelId, JSON.stringify(config));
  }

  /**
   * The configuration, or `ok: false` when it cannot be decrypted (no key, a master key that is not configured,
   * another channel's ciphertext, a changed byte): the channel is unusable. Throws only when the database cannot
   * be read, which is worth a retry.
   */
  async open(channelId: string, sealed: SealedChannelConfig): Promise<OpenedChannelConfig> {
    const text = await this.cipher.open(channelId, sealed, () => this.adopt(channelId, sealed));
    if (text === undefined) return { ok: false };
    try {
      return { ok: true, config: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  }

  /**
   * Moves the data keys of channels sealed before `alerts.channel_keys` existed (their key wrapped inside the
   * sealed configuration) into the key table, so that `npm run keys:rotate` reaches them. Runs at start, while the
   * master key that wrapped them is configured (current, or previous during a rotation); idempotent. Returns the
   * channels whose key no configured master key opens.
   */
  async adoptLegacyKeys(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string; config: SealedChannelConfig }>(
      `SELECT c.id, c.config FROM alerts.channels c
        WHERE c.config ? 'wrappedKey' AND NOT EXISTS (SELECT 1 FROM alerts.channel_keys k WHERE k.subject_id = c.id)`,
    );
    const unreadable: string[] = [];
    for (const row of rows) if (!(await this.adopt(row.id, row.config))) unreadable.push(row.id);
    return unreadable;
  }

  private async adopt(channelId: string, sealed: SealedChannelConfig): Promise<Buffer | undefined> {
    if (!sealed.wrappedKey) return undefined;
    let dataKey: Buffer;
    try {
      dataKey = this.ring.unwrap(Buffer.from(sealed.wrappedKey, 'base64url'), label(channelId));
    } catch {
      return undefined;
    }
    return this.keys.ensure(channelId, () => dataKey);
  }
}

/** The associated data of a channel's configuration (and, before key tables, of its wrapped key). */
const LABEL_PURPOSE = 'alerts:channel-config';
function label(channelId: string): string {
  return `${LABEL_PURPOSE}:${channelId}`;
}
