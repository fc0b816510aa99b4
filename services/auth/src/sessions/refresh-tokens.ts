import { createHash } from 'node:crypto';
import type { SessionRevocationReason } from '@llmlab/contracts';
import { generateSecret } from '@llmlab/crypto';
import type { Pool, PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';

export type Rotation =
  | { outcome: 'rotated'; sessionId: string; userId: string; refreshToken: string }
  /** A token that was already rotated came back: someone holds a copy. The family is revoked. */
  | { outcome: 'reused'; sessionId: string; userId: string; revokedNow: boolean }
  | { outcome: 'invalid' };

/** A user agent is whatever a client sends: kept to a readable length. */
const USER_AGENT_MAX = 512;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Refresh tokens: opaque, random, stored as SHA-256 only, in a mutable table (never in events). Each use
 * rotates the token inside its family; presenting a rotated token revokes the whole family (OAuth 2.0 Security
 * BCP, section 4.14). Row locks make concurrent uses of one family take turns.
 */
export class RefreshTokens {
  constructor(
    private readonly pool: Pool,
    private readonly ttlSeconds: number,
  ) {}

  /** `client`: where the session was started from, shown to the user in their data export (deleted on erasure). */
  async startFamily(sessionId: string, userId: string, now: Date, client: { ip?: string; userAgent?: string } = {}): Promise<string> {
    return this.transaction(async (tx) => {
      await tx.query(`INSERT INTO auth.refresh_token_families (id, user_id, created_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`, [
        sessionId,
        userId,
        now,
        client.ip ?? null,
        client.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      ]);
      return this.insertToken(tx, sessionId, now);
    });
  }

  async rotate(token: string, now: Date): Promise<Rotation> {
    return this.transaction(async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        family_id: string;
        user_id: string;
        expires_at: Date;
        used_at: Date | null;
        revoked_at: Date | null;
      }>(
        `SELECT t.id, t.family_id, f.user_id, t.expires_at, t.used_at, f.revoked_at
           FROM auth.refresh_tokens t JOIN auth.refresh_token_families f ON f.id = t.family_id
          WHERE t.token_hash = $1
          FOR UPDATE OF t, f`,
        [hashOf(token)],
      );
      const row = rows[0];
      if (!row || row.revoked_at) return { outcome: 'invalid' };
      if (row.used_at) {
        const revokedNow = await this.revokeFamily(tx, row.family_id, 'refresh_token_reuse', now);
        return { outcome: 'reused', sessionId: row.family_id, userId: row.user_id, revokedNow };
      }
      if (row.expires_at.getTime() <= now.getTime()) return { outcome: 'invalid' };
      await tx.query(`UPDATE auth.refresh_tokens SET used_at = $2 WHERE id = $1`, [row.id, now]);
      await tx.query(`UPDATE auth.refresh_token_families SET last_used_at = $2 WHERE id = $1`, [row.family_id, now]);
      const refreshToken = await this.insertToken(tx, row.family_id, now);
      return { outcome: 'rotated', sessionId: row.family_id, userId: row.user_id, refreshToken };
    });
  }

  /** Revokes the family of a token (logout); null when the token is unknown. */
  async revokeFamilyOf(token: string, now: Date): Promise<{ sessionId: string; userId: string; revokedNow: boolean } | null> {
    return this.transaction(async (tx) => {
      const { rows } = await tx.query<{ family_id: string; user_id: string }>(
        `SELECT t.family_id, f.user_id FROM auth.refresh_tokens t JOIN auth.refresh_token_families f ON f.id = t.family_id
          WHERE t.token_hash = $1 FOR UPDATE OF f`,
        [hashOf(token)],
      );
      if (!rows.length) return null;
      const revokedNow = await this.revokeFamily(tx, rows[0].family_id, 'logout', now);
      return { sessionId: rows[0].family_id, userId: rows[0].user_id, revokedNow };
    });
  }

  /**
   * Erasure: revokes every live session of the user and deletes all of them with their tokens (where and when they
   * were used is personal data). The ids of the sessions that were live, for their `SessionRevoked` events.
   */
  async eraseAllOf(userId: string, now: Date): Promise<string[]> {
    return this.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `UPDATE auth.refresh_token_families SET revoked_at = $2, revoked_reason = 'erasure' WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
        [userId, now],
      );
      await tx.query(`DELETE FROM auth.refresh_tokens t USING auth.refresh_token_families f WHERE f.id = t.family_id AND f.user_id = $1`, [
        userId,
      ]);
      await tx.query(`DELETE FROM auth.refresh_token_families WHERE user_id = $1`, [userId]);
      return rows.map((r) => r.id);
    });
  }

  private async revokeFamily(tx: PoolClient, familyId: string, reason: SessionRevocationReason, now: Date): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE auth.refresh_token_families SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL`,
      [familyId, now, reason],
    );
    return rowCount === 1;
  }

  private async insertToken(tx: PoolClient, familyId: string, now: Date): Promise<string> {
    const token = generateSecret('rt');
    await tx.query(`INSERT INTO auth.refresh_tokens (id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
      uuidv7(),
      familyId,
      hashOf(token),
      now,
      new Date(now.getTime() + this.ttlSeconds * 1000),
    ]);
    return token;
  }

  private async transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    const tx = await this.pool.connect();
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      tx.release();
    }
  }
}
