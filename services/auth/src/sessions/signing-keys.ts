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

export interface SigningKeyTiming {
  /**
   * How long a new key is published in the JWKS before it signs. Longer than the gateway's JWKS max age plus this
   * service's CACHE_MS, so every gateway has re-read the JWKS (and knows the key) before a token carries its kid.
   */
  publishLeadSeconds: number;
  /** Access-token lifetime: a key that stopped signing stays published this long, until its last token expires. */
  accessTokenTtlSeconds: number;
}

interface StoredKey {
  kid: string;
  publicJwk: Jwk;
  ciphertext: string;
  createdAt: number;
}

/** How many of the newest keys are read: far more than a lead plus a token lifetime can ever need published. */
const KEYS_READ = 20;

/**
 * The access-token signing keys: RSA 2048 (RS256) with a `kid` (the key's RFC 7638 thumbprint). A new key is
 * published at once but signs only once `publishLeadSeconds` have passed (the newest key at least that old
 * signs), so no gateway meets an unknown `kid` from a rotation; the key it replaces stays published until the
 * tokens it signed have expired, and the one before the signer always stays. Private keys are stored encrypted
 * under the service key `signing-keys` (crypto/service-keys.ts), which the master key wraps. Replicas rotate
 * under an advisory lock.
 */
export class SigningKeyRing {
  private stored?: { keys: StoredKey[]; until: number };
  private readonly privateKeys = new Map<string, KeyObject>();
  private readonly timing: SigningKeyTiming;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly cipherKey: Buffer,
    private readonly rotationDays: number,
    timing: Partial<SigningKeyTiming> = {},
  ) {
    this.timing = { publishLeadSeconds: 0, accessTokenTtlSeconds: 0, ...timing };
  }

  /** The key that signs at `now`. */
  async signingKey(now = new Date()): Promise<SigningKey> {
    let keys = await this.keys();
    if (!keys.length) {
      await this.rotateIfDue(now);
      keys = await this.keys();
    }
    const { kid, ciphertext } = keys[this.signerIndex(keys, now)];
    let privateKey = this.privateKeys.get(kid);
    if (!privateKey) {
      privateKey = createPrivateKey(openText(this.cipherKey, ciphertext, `signing-key:${kid}`));
      this.privateKeys.set(kid, privateKey);
    }
    return { kid, privateKey };
  }

  /**
   * The public keys a verifier needs at `now`, newest first: keys waiting to sign, the signer, the one before it,
   * and older ones whose tokens may not have expired yet.
   */
  async jwks(now = new Date()): Promise<JwksView> {
    const keys = await this.keys();
    if (!keys.length) return { keys: [] };
    const signer = this.signerIndex(keys, now);
    const { publishLeadSeconds, accessTokenTtlSeconds } = this.timing;
    const published = keys.filter((key, i) => {
      if (i <= signer + 1) return true;
      // Key i signed until key i-1 started to sign; its tokens live for the token lifetime after that.
      const retiredAt = keys[i - 1].createdAt + publishLeadSeconds * 1000;
      return retiredAt + accessTokenTtlSeconds * 1000 > now.getTime();
    });
    return { keys: published.map((k) => k.publicJwk) };
  }

  /**
   * The newest key published at least the lead before `now` (`keys` newest first). When none is that old, the
   * oldest key signs: the very first key, which had no predecessor to keep signing in its place.
   */
  private signerIndex(keys: StoredKey[], now: Date): number {
    const activeBefore = now.getTime() - this.timing.publishLeadSeconds * 1000;
    const i = keys.findIndex((k) => k.createdAt <= activeBefore);
    return i === -1 ? keys.length - 1 : i;
  }

  /** The newest keys, newest first, as read at most CACHE_MS ago (a rotation by another replica is seen within it). */
  private async keys(): Promise<StoredKey[]> {
    if (this.stored && this.stored.until > Date.now()) return this.stored.keys;
    const { rows } = await this.pool.query<{ kid: string; public_jwk: Jwk; private_key_ciphertext: string; created_at: Date }>(
      `SELECT kid, public_jwk, private_key_ciphertext, created_at FROM auth.signing_keys ORDER BY created_at DESC LIMIT ${KEYS_READ}`,
    );
    const keys = rows.map((r) => ({
      kid: r.kid,
      publicJwk: r.public_jwk,
      ciphertext: r.private_key_ciphertext,
      createdAt: r.created_at.getTime(),
    }));
    if (keys.length) this.stored = { keys, until: Date.now() + CACHE_MS };
    return keys;
  }

  /** Makes a new key when there is none or the newest is older than the rotation period; returns its kid. */
  rotateIfDue(now: Date): Promise<string | null> {
    return this.rotateLocked(now, false);
  }

  /**
   * Makes a new key now, whatever the age of the current one (a suspected leak). It signs once the publish lead
   * has passed, like any new key.
   */
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
      this.stored = undefined;
      return kid;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
