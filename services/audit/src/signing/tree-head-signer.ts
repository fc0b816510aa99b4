import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { MasterKeyRing, SubjectKeyStore } from '@llmlab/crypto';
import { PG_POOL } from '@llmlab/service-kit';
import { auditKeyId, signTreeHead, toAuditPublicKey, type AuditKeySet, type SignedTreeHead, type TreeHead } from '@llmlab/transparency';

/** PKCS #8 DER prefix of an Ed25519 private key: the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SUBJECT_PREFIX = 'tree-head-signing-key:';

/**
 * The Ed25519 key that signs tree heads. Its 32-byte seed is a data key of `audit.service_keys`, wrapped by the
 * master key like every other secret (so `npm run keys:rotate` re-wraps it); its public half is published with
 * its id. The first start makes one; replicas that race agree on the first one stored.
 */
@Injectable()
export class TreeHeadSigner {
  private readonly keys: SubjectKeyStore;
  private current?: { kid: string; privateKey: KeyObject };

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    ring: MasterKeyRing,
  ) {
    this.keys = new SubjectKeyStore(pool, ring, 'audit.service_keys');
  }

  async sign(head: TreeHead): Promise<SignedTreeHead> {
    const { privateKey } = await this.activeKey();
    return signTreeHead(head, privateKey);
  }

  /** Every key that ever signed a head (a retired key still verifies the heads it signed). */
  async keySet(): Promise<AuditKeySet> {
    await this.activeKey();
    const { rows } = await this.pool.query<{ public_key: string; created_at: Date }>(
      'SELECT public_key, created_at FROM audit.signing_keys ORDER BY created_at, kid',
    );
    return {
      keys: rows.map((r) =>
        toAuditPublicKey(
          createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: r.public_key }, format: 'jwk' }),
          r.created_at.toISOString(),
        ),
      ),
    };
  }

  private async activeKey(): Promise<{ kid: string; privateKey: KeyObject }> {
    if (this.current) return this.current;
    const { rows } = await this.pool.query<{ kid: string }>(
      'SELECT kid FROM audit.signing_keys WHERE retired_at IS NULL ORDER BY created_at, kid LIMIT 1',
    );
    let kid = rows[0]?.kid;
    if (!kid) kid = await this.create();
    const seed = await this.keys.get(SUBJECT_PREFIX + kid);
    if (!seed) throw new Error(`the private key of tree-head signing key ${kid} is missing from audit.service_keys`);
    const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    if (auditKeyId(createPublicKey(privateKey)) !== kid) throw new Error(`tree-head signing key ${kid} does not match its private key`);
    this.current = { kid, privateKey };
    return this.current;
  }

  /** A new key: the private seed stored first, then the public key that makes it active (first writer wins). */
  private async create(): Promise<string> {
    const seed = randomBytes(32);
    const publicKey = createPublicKey(createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
    const { kid, x } = toAuditPublicKey(publicKey, new Date().toISOString());
    await this.keys.ensure(SUBJECT_PREFIX + kid, () => seed);
    await this.pool.query(
      `INSERT INTO audit.signing_keys (kid, public_key)
       SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM audit.signing_keys WHERE retired_at IS NULL)`,
      [kid, x],
    );
    const { rows } = await this.pool.query<{ kid: string }>(
      'SELECT kid FROM audit.signing_keys WHERE retired_at IS NULL ORDER BY created_at, kid LIMIT 1',
    );
    return rows[0].kid;
  }
}
