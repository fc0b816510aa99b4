import { openText, sealText } from './aes-gcm';
import type { SubjectKeyStore } from './subject-key.store';

/** A secret sealed for one subject, as events and read models carry it. */
export interface SealedSecret {
  algorithm: 'aes-256-gcm';
  ciphertext: string;
}

/**
 * Envelope encryption of one secret per subject (a stored provider key, a connection's admin key, a channel's
 * configuration): the subject's own data key, in its `SubjectKeyStore` table wrapped by the master key, seals the
 * text bound to `<purpose>:<subject id>`, so a ciphertext opens for no other subject. Events and read models carry
 * only the ciphertext: destroying the data key makes every copy unreadable (crypto-shredding), and rotating the master
 * key re-wraps the key table without touching an immutable event.
 */
export class SubjectCipher {
  constructor(
    protected readonly keys: SubjectKeyStore,
    private readonly purpose: string,
  ) {}

  /** The associated data a subject's secret is bound to. */
  protected label(subjectId: string): string {
    return `${this.purpose}:${subjectId}`;
  }

  async seal(subjectId: string, plaintext: string): Promise<SealedSecret> {
    const key = await this.keys.ensure(subjectId);
    return { algorithm: 'aes-256-gcm', ciphertext: sealText(key, plaintext, this.label(subjectId)) };
  }

  /**
   * The text, or undefined when it cannot be read: the subject has no data key (destroyed, never made, or wrapped by
   * a master key that is not configured; `fallbackKey` may supply one then), or the ciphertext does not open under it
   * (another subject's, a changed byte). Throws only when the database cannot be read, which is worth a retry.
   */
  async open(subjectId: string, sealed: SealedSecret, fallbackKey?: () => Promise<Buffer | undefined>): Promise<string | undefined> {
    const key = (await this.keys.getMany([subjectId], () => undefined)).get(subjectId) ?? (await fallbackKey?.());
    if (!key) return undefined;
    try {
      return openText(key, sealed.ciphertext, this.label(subjectId));
    } catch {
      return undefined;
    }
  }

  /** Destroys the subject's data key: every copy of its secret, in every event and backup, is unreadable from now on. */
  destroy(subjectId: string): Promise<void> {
    return this.keys.destroy(subjectId);
  }
}
