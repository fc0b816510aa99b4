import { seededRandom } from '@llmlab/testing';
import { backoffMs, countsAgainstTarget, isRetryable, requestedWaitMs, type UpstreamRetryOptions } from './retry-policy';

const policy: UpstreamRetryOptions = { maxRetries: 10, backoffBaseMs: 500, backoffMaxMs: 8_000, maxRetryAfterMs: 10_000 };

describe('backoffMs', () => {
  it('draws each wait below min(cap, base * 2^(retry-1)) and spreads them (full jitter)', () => {
    const random = seededRandom(2025);
    for (let round = 0; round < 50; round++) {
      for (let retry = 1; retry <= 8; retry++) {
        const wait = backoffMs(retry, policy, random);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(Math.min(8_000, 500 * 2 ** (retry - 1)));
      }
    }
    const draws = Array.from({ length: 200 }, () => backoffMs(5, policy, random));
    expect(Math.min(...draws)).toBeLessThan(1_000);
    expect(Math.max(...draws)).toBeGreaterThan(7_000);
  });

  it('reaches the ceiling at the top of the random range and zero at its bottom', () => {
    expect(backoffMs(1, policy, () => 0.999_999)).toBe(499);
    expect(backoffMs(3, policy, () => 0.999_999)).toBe(1_999);
    expect(backoffMs(12, policy, () => 0.999_999)).toBe(7_999);
    expect(backoffMs(4, policy, () => 0)).toBe(0);
  });
});

describe('requestedWaitMs', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  const wait = (headers: Record<string, string>) => requestedWaitMs(new Headers(headers), now);

  it('reads Retry-After as delta-seconds or an HTTP date', () => {
    expect(wait({ 'retry-after': '2' })).toBe(2_000);
    expect(wait({ 'retry-after': '0.5' })).toBe(500);
    expect(wait({ 'retry-after': 'Sat, 01 Mar 2025 12:00:20 GMT' })).toBe(20_000);
    expect(wait({ 'retry-after': 'Sat, 01 Mar 2025 11:00:00 GMT' })).toBe(0);
  });

  it("prefers OpenAI's retry-after-ms", () => {
    expect(wait({ 'retry-after-ms': '1234.5', 'retry-after': '2' })).toBe(1_235);
  });

  it('ignores what it cannot read', () => {
    expect(wait({})).toBeUndefined();
    expect(wait({ 'retry-after': 'soon' })).toBeUndefined();
    expect(wait({ 'retry-after': '-1' })).toBeUndefined();
    expect(wait({ 'retry-after-ms': 'soon', 'retry-after': '3' })).toBe(3_000);
  });
});

describe('outcomes', () => {
  it.each([429, 500, 502, 503, 504, 529])('retries a %i', (status) => {
    expect(isRetryable({ kind: 'status', status })).toBe(true);
  });

  it.each([200, 400, 401, 403, 404, 422, 501])('returns a %i as it is', (status) => {
    expect(isRetryable({ kind: 'status', status })).toBe(false);
    expect(countsAgainstTarget({ kind: 'status', status })).toBe(false);
  });

  it('retries transient connection errors only', () => {
    expect(isRetryable({ kind: 'connection', code: 'ECONNRESET' })).toBe(true);
    expect(isRetryable({ kind: 'connection', code: 'UND_ERR_SOCKET' })).toBe(true);
    expect(isRetryable({ kind: 'connection', code: 'ENOTFOUND' })).toBe(false);
    expect(countsAgainstTarget({ kind: 'connection', code: 'ENOTFOUND' })).toBe(true);
  });

  it('counts failures of the target against its breaker, not rate limits or cancellations', () => {
    expect(countsAgainstTarget({ kind: 'status', status: 503 })).toBe(true);
    expect(countsAgainstTarget({ kind: 'timeout' })).toBe(true);
    expect(countsAgainstTarget({ kind: 'status', status: 429 })).toBe(false);
    expect(countsAgainstTarget({ kind: 'cancelled' })).toBe(false);
  });
});
