import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { EmailLookup, normalizeEmail } from './email-lookup';
import { MasterKey } from './master-key';

describe('email lookup hash', () => {
  it('is keyed, and the same for every spelling of one address', () => {
    const lookup = new EmailLookup(randomBytes(32));
    expect(normalizeEmail(' Ada@Example.COM ')).toBe('ada@example.com');
    expect(lookup.hash(' Ada@Example.COM ')).toBe(lookup.hash('ada@example.com'));
    expect(lookup.hash('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(new EmailLookup(randomBytes(32)).hash('ada@example.com')).not.toBe(lookup.hash('ada@example.com'));
    expect(() => new EmailLookup(randomBytes(16))).toThrow('32 bytes');
  });

  it('keeps the hashes made with the key derived from the master key, once that key is adopted', () => {
    // What the auth service computed before the key was stored: HMAC under HKDF(master, "llmlab:email-lookup").
    const master = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const derived = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'llmlab:email-lookup', 32));
    const before = createHmac('sha256', derived).update('ada@example.com').digest('hex');
    expect(before).toBe('ed807d77d28e0a43066d0597225d17c9b5de8619b3db0733eedcfa1636c3667a');
    expect(new EmailLookup(new MasterKey(master).legacyDerive('email-lookup')).hash('Ada@Example.com')).toBe(before);
  });
});
