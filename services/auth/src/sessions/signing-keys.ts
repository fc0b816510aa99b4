import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { authStreams, type JwksView, type SigningKeyEvent } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { metadataFromContext } from '@llmlab/service-kit';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import type { Pool } from 'pg';
import { openText, sealText } from '@llmlab/crypto';

const generateRsa = promisify(generateKeyPair);
export const SIGNING_ALGORITHM = 'RS256';
/** How long a replica keeps using what it read: a rotation by another replica is seen within this time. */
const CACHE_MS = 5_000;
const ROTATION_LOCK = 'llmlab.auth.signing-keys';

type Jwk = JwksView['keys'][number];

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/**
 * The access-token signing keys: RSA 2048 (RS256) with a `kid` (the key's RFC 7638 thumbprint). The newest key
 * signs; the JWKS publishes it and the one before, so tokens signed just before a rotation stay valid. Private
 * keys are stored encrypted under the service key `signing-keys` (crypto/service-keys.ts), which the master key
 * wraps. Replicas rotate under an advisory lock.
 */
export class SigningKeyRing {
  private current?: { key: SigningKey; until: number };
  private published?: { jwks: JwksView; until: number };

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly cipherKey: Buffer,
    private readonly rotationDays: number,
  ) {}

  async signingKey(): Promise<SigningKey> {
    if (this.current && this.current.until > Date.now()) return this.current.key;
    let { rows } = await this.pool.query<{ kid: string; private_key_ciphertext: string }>(
      `SELECT kid, private_key_ciphertext FROM auth.signing_keys ORDER BY created_at DESC LIMIT 1`,
    );
    if (!rows.length) {
      await this.rotateIfDue(new Date());
      ({ rows } = await this.pool.query(`SELECT kid, private_key_ciphertext FROM auth.signing_keys ORDER BY created_at DESC LIMIT 1`));
    }
    const { kid, private_key_ciphertext } = rows[0];
    const key = { kid, privateKey: createPrivateKey(openText(this.cipherKey, private_key_ciphertext, `signing-key:${kid}`)) };
    this.current = { key, until: Date.now() + CACHE_MS };
    return key;
  }

  /** The current and the previous public key. */
  async jwks(): Promise<JwksView> {
    if (this.published && this.published.until > Date.now()) return this.published.jwks;
    const { rows } = await this.pool.query<{ public_jwk: Jwk }>(
      `SELECT public_jwk FROM auth.signing_keys ORDER BY created_at DESC LIMIT 2`,
    );
    const jwks = { keys: rows.map((r) => r.public_jwk) };
    this.published = { jwks, until: Date.now() + CACHE_MS };
    return jwks;
  }

  /** Makes a new key when there is none or the newest is older than the rotation period; returns its kid. */
  rotateIfDue(now: Date): Promise<string | null> {
    return this.rotateLocked(now, false);
  }

  /** Makes a new key now, whatever the age of the current one (a suspected leak). */
  async rotate(now: Date): Promise<string> {
    return (await this.rotateLocked(now, true))!;
  }

  private async rotateLocked(now: Date, force: boolean): Promise<string | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [ROTATION_LOCK]);
      const { rows } = await client.query<{ kid: string; created_at: Date }>(
        `SELECT kid, created_at FROM auth.signing_keys ORDER BY created_at DESC LIMIT 1`,
      );
      const newest = rows[0];
      if (!force && newest && now.getTime() - newest.created_at.getTime() < this.rotationDays * 86_400_000) {
        await client.query('COMMIT');
        return null;
      }
      const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
      const jwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(jwk);
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
      await client.query(
        `INSERT INTO auth.signing_keys (kid, algorithm, public_jwk, private_key_ciphertext, created_at) VALUES ($1, $2, $3, $4, $5)`,
        [
          kid,
          SIGNING_ALGORITHM,
          { ...jwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' },
          sealText(this.cipherKey, pem, `signing-key:${kid}`),
          now,
        ],
      );
      // Under the lock nobody else appends to the stream: its last revision is the one to expect.
      const stream = authStreams.signingKeys();
      const last = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      const event: SigningKeyEvent = {
        type: 'SigningKeyRotated',
        data: { kid, algorithm: SIGNING_ALGORITHM, previousKid: newest?.kid ?? null, rotatedAt: now.toISOString() },
      };
      await this.store.appendToStream(stream, [{ ...event, metadata: metadataFromContext({ correlationId: `rotate-${kid}` }) }], {
        expectedRevision: last.length ? last[0].revision : 'no_stream',
      });
      await client.query('COMMIT');
      this.current = undefined;
      this.published = undefined;
      return kid;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
