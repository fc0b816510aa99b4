import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs, retryDelayMs } from './retry.policy';

const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('isRetryableStatus', () => {
  it('retries 408, 429 and 5xx, and no other status', () => {
    expect([408, 429, 500, 502, 503, 529].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 409, 413, 422].some(isRetryableStatus)).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  it('draws uniformly below a ceiling that doubles per attempt (full jitter)', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, policy, () => 0.999_999))).toEqual([99, 199, 399, 799]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('never exceeds maxDelayMs', () => {
    expect(backoffDelayMs(30, policy, () => 0.999_999)).toBe(999);
  });
});

describe('retryDelayMs', () => {
  it("prefers the server's Retry-After to its own backoff", () => {
    expect(retryDelayMs(0, 700, policy, () => 0)).toBe(700);
  });

  it('caps Retry-After at maxDelayMs', () => {
    expect(retryDelayMs(0, 60_000, policy)).toBe(1_000);
  });

  it('falls back to backoff without Retry-After', () => {
    expect(retryDelayMs(2, undefined, policy, () => 0.5)).toBe(200);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date, never negative', () => {
    expect(parseRetryAfterMs('Sun, 01 Jun 2025 12:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfterMs('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-1', now)).toBeUndefined();
  });
});
