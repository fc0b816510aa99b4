import { createHmac, timingSafeEqual } from 'node:crypto';
import { generateSecret } from '@llmlab/crypto';

export const SIGNATURE_HEADER = 'x-llmlab-signature';
export const TIMESTAMP_HEADER = 'x-llmlab-timestamp';
export const DELIVERY_HEADER = 'x-llmlab-delivery';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** 32 random bytes; the prefix makes a leaked secret recognisable to secret scanners. */
export function generateWebhookSecret(): string {
  return generateSecret('whsec');
}

/**
 * `v1=` and the hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of `<timestamp>.<raw body>`. Signing the
 * timestamp with the body lets a receiver refuse a replayed request without keeping every delivery id forever.
 */
export function signWebhook(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `v1=${mac}`;
}

export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(',') : value;
}

export type WebhookVerification =
  | { ok: true; timestamp: number; deliveryId: string | undefined }
  | {
      ok: false;
      reason: 'missing-signature' | 'missing-timestamp' | 'malformed-timestamp' | 'stale-timestamp' | 'bad-signature';
    };

/**
 * What a receiver runs on every request, before parsing the body: the signature must be one of the `v1=`
 * values of the header (several appear while a secret is being rotated), and the timestamp within
 * `toleranceSeconds` of the receiver's clock. Pass the body exactly as received: re-serialised JSON differs.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  rawBody: string | Buffer,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  now: number = Date.now(),
): WebhookVerification {
  const signatures = header(headers, SIGNATURE_HEADER);
  if (!signatures) return { ok: false, reason: 'missing-signature' };
  const timestampText = header(headers, TIMESTAMP_HEADER);
  if (!timestampText) return { ok: false, reason: 'missing-timestamp' };
  if (!/^\d{1,12}$/.test(timestampText.trim())) return { ok: false, reason: 'malformed-timestamp' };
  const timestamp = Number(timestampText.trim());
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };

  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const matches = signatures
    .split(',')
    .map((candidate) => Buffer.from(candidate.trim()))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  return matches ? { ok: true, timestamp, deliveryId: header(headers, DELIVERY_HEADER) } : { ok: false, reason: 'bad-signature' };
}
