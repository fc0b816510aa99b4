import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signWebhook, verifyWebhookSignature } from './webhook-signature';

const secret = 'whsec_test_0123456789abcdefghij';
const body = '{"version":1,"type":"alert.threshold","deliveryId":"d1","alert":{}}';
const timestamp = 1_750_238_102;
const now = timestamp * 1000;

function headers(overrides: Record<string, string | undefined> = {}) {
  return {
    'x-llmlab-signature': signWebhook(secret, timestamp, body),
    'x-llmlab-timestamp': String(timestamp),
    'x-llmlab-delivery': 'd1',
    ...overrides,
  };
}

describe('signWebhook', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<raw body>"', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signWebhook(secret, timestamp, body)).toBe(`v1=${expected}`);
    expect(signWebhook(secret, timestamp, Buffer.from(body))).toBe(`v1=${expected}`);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a genuine request, from Node headers or a fetch Headers object', () => {
    expect(verifyWebhookSignature(secret, headers(), body, 300, now)).toEqual({ ok: true, timestamp, deliveryId: 'd1' });
    expect(verifyWebhookSignature(secret, new Headers(headers()), Buffer.from(body), 300, now).ok).toBe(true);
    expect(
      verifyWebhookSignature(
        secret,
        { 'X-LLMLab-Signature': headers()['x-llmlab-signature'], 'X-LLMLab-Timestamp': String(timestamp) },
        body,
        300,
        now,
      ).ok,
    ).toBe(true);
  });

  it('refuses a changed body, a changed timestamp, another secret', () => {
    expect(verifyWebhookSignature(secret, headers(), body.replace('d1', 'd2'), 300, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyWebhookSignature(secret, headers({ 'x-llmlab-timestamp': String(timestamp + 1) }), body, 300, now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyWebhookSignature('whsec_other_0123456789abcdefghij', headers(), body, 300, now).ok).toBe(false);
  });

  it('refuses a replay outside the tolerance, in either direction', () => {
    expect(verifyWebhookSignature(secret, headers(), body, 300, now + 301_000)).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifyWebhookSignature(secret, headers(), body, 300, now - 301_000)).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifyWebhookSignature(secret, headers(), body, 300, now + 299_000).ok).toBe(true);
  });

  it('accepts any of several signatures, as sent while a secret is rotated', () => {
    const rotated = `v1=${'0'.repeat(64)}, ${signWebhook(secret, timestamp, body)}`;
    expect(verifyWebhookSignature(secret, headers({ 'x-llmlab-signature': rotated }), body, 300, now).ok).toBe(true);
  });

  it('says what is missing or malformed', () => {
    expect(verifyWebhookSignature(secret, headers({ 'x-llmlab-signature': undefined }), body, 300, now)).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
    expect(verifyWebhookSignature(secret, headers({ 'x-llmlab-timestamp': undefined }), body, 300, now)).toEqual({
      ok: false,
      reason: 'missing-timestamp',
    });
    expect(verifyWebhookSignature(secret, headers({ 'x-llmlab-timestamp': '1e9' }), body, 300, now)).toEqual({
      ok: false,
      reason: 'malformed-timestamp',
    });
    expect(verifyWebhookSignature(secret, headers({ 'x-llmlab-signature': 'v1=zz' }), body, 300, now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });
});

describe('generateWebhookSecret', () => {
  it('makes distinct, prefixed, 256-bit secrets', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
