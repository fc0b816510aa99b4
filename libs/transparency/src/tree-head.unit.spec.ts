import { generateKeyPairSync } from 'node:crypto';
import { auditKeyId, signTreeHead, toAuditPublicKey, treeHeadSigningInput, verifyTreeHead } from './tree-head';

const head = { treeSize: 42, rootHash: 'ab'.repeat(32), timestamp: '2026-12-05T10:00:00.000Z' };

describe('signed tree heads', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keys = { keys: [toAuditPublicKey(publicKey, '2026-12-01T00:00:00.000Z')] };

  it('signs a head that verifies against the key set, and nothing changed verifies', () => {
    const signed = signTreeHead(head, privateKey);
    expect(signed.keyId).toBe(auditKeyId(publicKey));
    expect(verifyTreeHead(signed, keys)).toEqual({ ok: true });
    expect(verifyTreeHead({ ...signed, treeSize: 43 }, keys)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyTreeHead({ ...signed, rootHash: 'cd'.repeat(32) }, keys)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyTreeHead({ ...signed, timestamp: '2026-12-05T10:00:00.001Z' }, keys)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyTreeHead({ ...signed, rootHash: 'nothex' }, keys)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses an unknown key and a key set that lends one key id to another key', () => {
    const other = generateKeyPairSync('ed25519');
    const signed = signTreeHead(head, other.privateKey);
    expect(verifyTreeHead(signed, keys)).toEqual({ ok: false, reason: 'unknown_key' });
    const lent = { keys: [{ ...toAuditPublicKey(publicKey, head.timestamp), kid: signed.keyId }] };
    expect(verifyTreeHead(signed, lent)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('signs a labelled statement with the exact fields', () => {
    expect(treeHeadSigningInput(head).toString()).toBe(`llmlab-audit-tree-head/v1\n42\n${'ab'.repeat(32)}\n2026-12-05T10:00:00.000Z`);
    expect(() => treeHeadSigningInput({ ...head, timestamp: '2026-12-05' })).toThrow(RangeError);
  });
});
