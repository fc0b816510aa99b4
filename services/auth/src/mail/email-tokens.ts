import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

export type EmailTokenPurpose = 'verify-email' | 'invitation';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The single-use tokens of mailed links. A token is 256 random bits (base64url), unguessable like a signature
 * and shorter; only its SHA-256 is stored (`auth.email_tokens`), so the table cannot be used to forge a link.
 * A token works once, before its expiry, for its purpose only.
 */
export class EmailTokens {
  constructor(private readonly pool: Pool) {}

  async issue(purpose: EmailTokenPurpose, subjectId: string, ttlMs: number, now: Date): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(
      `INSERT INTO auth.email_tokens (token_hash, purpose, subject_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [sha256(token), purpose, subjectId, now, new Date(now.getTime() + ttlMs)],
    );
    return token;
  }

  /** The subject of a usable token (right purpose, unused, unexpired), without using it up. */
  async peek(purpose: EmailTokenPurpose, token: string, now: Date): Promise<string | null> {
    const { rows } = await this.pool.query<{ subject_id: string }>(
      `SELECT subject_id FROM auth.email_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
      [sha256(token), purpose, now],
    );
    return rows[0]?.subject_id ?? null;
  }

  /** Uses the token up; the subject, or null when it was not usable (another request may just have used it). */
  async consume(purpose: EmailTokenPurpose, token: string, now: Date): Promise<string | null> {
    const { rows } = await this.pool.query<{ subject_id: string }>(
      `UPDATE auth.email_tokens SET used_at = $3
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
        RETURNING subject_id`,
      [sha256(token), purpose, now],
    );
    return rows[0]?.subject_id ?? null;
  }

  /** Every still usable token of a subject stops working (an invitation revoked, an address verified). */
  async retire(subjectId: string, now: Date): Promise<void> {
    await this.pool.query(`UPDATE auth.email_tokens SET used_at = $2 WHERE subject_id = $1 AND used_at IS NULL`, [subjectId, now]);
  }
}
