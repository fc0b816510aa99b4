import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** What the audit service signs: the tree of the first `treeSize` events has this root at this time. */
export interface TreeHead {
  readonly treeSize: number;
  /** Lowercase hex of MTH. */
  readonly rootHash: string;
  /** ISO 8601, milliseconds, UTC (`Date.prototype.toISOString`). */
  readonly timestamp: string;
}

export interface SignedTreeHead extends TreeHead {
  readonly keyId: string;
  /** Base64 Ed25519 signature of `treeHeadSigningInput(head)`. */
  readonly signature: string;
}

/** One public key of the audit log, as a JWK (RFC 8037 OKP). */
export interface AuditPublicKey {
  readonly kid: string;
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  /** Base64url of the 32-byte public key. */
  readonly x: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
  readonly createdAt: string;
}

/** `GET /.well-known/llmlab-audit-keys.json`. */
export interface AuditKeySet {
  readonly keys: readonly AuditPublicKey[];
}

const DOMAIN = 'llmlab-audit-tree-head/v1';
const HEX_HASH = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The exact bytes signed: a domain label, so a signature can never be replayed as another kind of statement. */
export function treeHeadSigningInput(head: TreeHead): Buffer {
  if (!Number.isSafeInteger(head.treeSize) || head.treeSize < 0) throw new RangeError('treeSize must be a non-negative integer');
  if (!HEX_HASH.test(head.rootHash)) throw new RangeError('rootHash must be 64 lowercase hex digits');
  if (!ISO_MS.test(head.timestamp)) throw new RangeError('timestamp must be ISO 8601 UTC with milliseconds');
  return Buffer.from(`${DOMAIN}\n${head.treeSize}\n${head.rootHash}\n${head.timestamp}`, 'utf8');
}

/** A key's id: derived from the public key itself, so an id can never name two keys. */
export function auditKeyId(publicKey: KeyObject): string {
  const raw = rawPublicKey(publicKey);
  return createHash('sha256').update(raw).digest('base64url').slice(0, 16);
}

export function toAuditPublicKey(publicKey: KeyObject, createdAt: string): AuditPublicKey {
  return {
    kid: auditKeyId(publicKey),
    kty: 'OKP',
    crv: 'Ed25519',
    x: rawPublicKey(publicKey).toString('base64url'),
    alg: 'EdDSA',
    use: 'sig',
    createdAt,
  };
}

export function signTreeHead(head: TreeHead, privateKey: KeyObject): SignedTreeHead {
  const publicKey = createPublicKey(privateKey);
  const signature = sign(null, treeHeadSigningInput(head), privateKey).toString('base64');
  return { treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, keyId: auditKeyId(publicKey), signature };
}

export type TreeHeadCheck = { ok: true } | { ok: false; reason: 'unknown_key' | 'bad_signature' | 'malformed' };

/** Checks a signed head against a key set: the key its id names, and the signature over the head's own fields. */
export function verifyTreeHead(head: SignedTreeHead, keys: AuditKeySet): TreeHeadCheck {
  const jwk = keys.keys.find((k) => k.kid === head.keyId);
  if (!jwk) return { ok: false, reason: 'unknown_key' };
  let input: Buffer;
  let publicKey: KeyObject;
  try {
    input = treeHeadSigningInput(head);
    publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // The id must be the key's own: a key set cannot lend one key's id to another.
  if (auditKeyId(publicKey) !== jwk.kid) return { ok: false, reason: 'unknown_key' };
  const valid = verify(null, input, publicKey, Buffer.from(head.signature, 'base64'));
  return valid ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('an audit key is an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}
