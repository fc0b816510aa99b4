import { DEFAULT_RETRY_POLICY, nextRetryDelay, parseRetryAfter, retryAfterFrom } from './retry.policy';

const policy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };
const almostOne = () => 0.999_999;

describe('nextRetryDelay', () => {
  it('draws below a ceiling that doubles per attempt (full jitter)', () => {
    expect([1, 2, 3, 4].map((attempt) => nextRetryDelay(attempt, undefined, policy, almostOne))).toEqual([999, 1999, 3999, 7999]);
    expect(nextRetryDelay(3, undefined, policy, () => 0)).toBe(0);
    expect(nextRetryDelay(2, undefined, policy, () => 0.5)).toBe(1000);
  });

  it('caps the ceiling', () => {
    expect(nextRetryDelay(40, undefined, policy, almostOne)).toBe(9999);
  });

  it("never comes back sooner than the receiver's Retry-After", () => {
    expect(nextRetryDelay(1, 7_000, policy, () => 0.5)).toBe(7_000);
    expect(nextRetryDelay(4, 500, policy, () => 0.5)).toBe(4_000);
  });

  it('caps a Retry-After at maxRetryAfterMs', () => {
    expect(nextRetryDelay(1, 86_400_000, policy, () => 0)).toBe(60_000);
  });

  it('keeps the default schedule within 47 minutes of waiting in all', () => {
    const waits = Array.from({ length: DEFAULT_RETRY_POLICY.maxAttempts - 1 }, (_, i) =>
      nextRetryDelay(i + 1, undefined, DEFAULT_RETRY_POLICY, () => 1),
    );
    expect(waits.reduce((a, b) => a + b, 0)).toBe(2_822_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 2.5 ', now)).toBe(2_500);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});

describe('retryAfterFrom', () => {
  it('takes the longest of the Retry-After header, X-RateLimit-Reset-After and a JSON retry_after', () => {
    expect(retryAfterFrom({ 'retry-after': '3' }, '{"message":"You are being rate limited.","retry_after":2.5,"global":false}')).toBe(
      3_000,
    );
    expect(retryAfterFrom({ 'x-ratelimit-reset-after': '4.25' }, '{"retry_after":1.5}')).toBe(4_250);
    expect(retryAfterFrom({}, '{"retry_after":1.25}')).toBe(1_250);
    expect(retryAfterFrom({ 'retry-after': '7' }, 'rate_limited')).toBe(7_000);
  });

  it('is undefined when the receiver gave no hint', () => {
    expect(retryAfterFrom({}, 'rate_limited')).toBeUndefined();
    expect(retryAfterFrom({}, '{"retry_after":"soon"}')).toBeUndefined();
    expect(retryAfterFrom({}, 'null')).toBeUndefined();
  });
});
