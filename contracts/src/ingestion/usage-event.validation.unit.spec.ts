import { USAGE_LIMITS } from './usage-event';
import type { FieldError } from '../messaging';
import { parseRfc3339, validateUsageBatch, validateUsageEvent } from './usage-event.validation';

const now = new Date('2025-06-01T12:00:00.000Z');

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '0197a1c2-5b1e-7c3d-9f00-3a1b2c3d4e5f',
    timestamp: '2025-06-01T11:59:00.000Z',
    provider: 'anthropic',
    model: 'claude-haiku-4-5-20251001',
    usage: { inputTokens: 6156, outputTokens: 40, cachedInputTokens: 4096, cacheWriteTokens: 2048, reasoningTokens: 0 },
    latencyMs: 812,
    status: 'success',
    userId: 'user-42',
    tags: { app: 'writer', feature: 'draft' },
    metadata: { operation: 'messages.create', stream: true },
    ...overrides,
  };
}

function errorsOf(raw: unknown, at = now): FieldError[] {
  const result = validateUsageEvent(raw, at);
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.errors;
}

function fieldsOf(raw: unknown): string[] {
  return errorsOf(raw).map((e) => e.field);
}

describe('validateUsageEvent', () => {
  it('accepts the SDK wire example and normalizes it', () => {
    const result = validateUsageEvent(event({ timestamp: '2025-06-01T13:59:00+02:00' }), now);
    expect(result).toEqual({
      ok: true,
      event: {
        id: '0197a1c2-5b1e-7c3d-9f00-3a1b2c3d4e5f',
        timestamp: '2025-06-01T11:59:00.000Z',
        provider: 'anthropic',
        model: 'claude-haiku-4-5-20251001',
        usage: { inputTokens: 6156, outputTokens: 40, cachedInputTokens: 4096, cacheWriteTokens: 2048, reasoningTokens: 0 },
        latencyMs: 812,
        status: 'success',
        userId: 'user-42',
        tags: { app: 'writer', feature: 'draft' },
        metadata: { operation: 'messages.create', stream: true },
      },
    });
  });

  it('fills absent tags and metadata and drops null optional fields', () => {
    const result = validateUsageEvent(event({ tags: undefined, metadata: null, userId: null, traceId: null }), now);
    expect(result.ok && result.event).toMatchObject({ tags: {}, metadata: {} });
    expect(result.ok && 'userId' in result.event).toBe(false);
  });

  it('names every missing required field', () => {
    expect(fieldsOf({})).toEqual(['/id', '/timestamp', '/provider', '/model', '/usage', '/status']);
  });

  it('prefixes fields with the pointer of the event in its batch', () => {
    const result = validateUsageEvent(event({ model: '' }), now, '/events/3');
    expect(result).toEqual({ ok: false, errors: [{ field: '/events/3/model', message: 'must be a non-empty string' }] });
  });

  it('refuses a value that is not an object', () => {
    expect(errorsOf([1, 2])).toEqual([{ field: '/', message: 'must be an object' }]);
    expect(validateUsageEvent('x', now, '/events/0')).toEqual({
      ok: false,
      errors: [{ field: '/events/0', message: 'must be an object' }],
    });
  });

  it('refuses unknown fields, escaping them as JSON pointers', () => {
    expect(fieldsOf(event({ prompt: 'hello', 'a/b~c': 1 }))).toEqual(['/prompt', '/a~1b~0c']);
    expect(fieldsOf(event({ usage: { inputTokens: 1, outputTokens: 1, videoTokens: 3 } }))).toEqual(['/usage/videoTokens']);
  });

  describe('timestamp', () => {
    it('refuses more than 5 minutes in the future with the reason', () => {
      expect(validateUsageEvent(event({ timestamp: '2025-06-01T12:05:00.000Z' }), now).ok).toBe(true);
      const [error] = errorsOf(event({ timestamp: '2025-06-01T12:05:00.001Z' }));
      expect(error.field).toBe('/timestamp');
      expect(error.message).toMatch(/more than 5 minutes in the future/);
    });

    it('refuses more than 35 days old with the reason', () => {
      expect(validateUsageEvent(event({ timestamp: '2025-04-27T12:00:00.000Z' }), now).ok).toBe(true);
      const [error] = errorsOf(event({ timestamp: '2025-04-27T11:59:59.999Z' }));
      expect(error).toEqual({ field: '/timestamp', message: expect.stringMatching(/more than 35 days old/) });
    });

    it.each(['2025-06-01', '2025-06-01 12:00:00Z', '2025-02-30T00:00:00Z', '2025-06-01T24:00:00Z', 'yesterday', 1748779200000])(
      'refuses %p as not RFC 3339',
      (timestamp) => {
        expect(fieldsOf(event({ timestamp }))).toEqual(['/timestamp']);
      },
    );

    it('parses offsets, fractions and lower-case separators', () => {
      expect(parseRfc3339('2025-06-01t12:00:00.5z')).toBe(Date.parse('2025-06-01T12:00:00.500Z'));
      expect(parseRfc3339('2025-06-01T12:00:00-05:30')).toBe(Date.parse('2025-06-01T17:30:00Z'));
      expect(parseRfc3339('2024-02-29T00:00:00Z')).toBeDefined();
      expect(parseRfc3339('2025-02-29T00:00:00Z')).toBeUndefined();
      expect(parseRfc3339('2025-06-01T12:00:00+24:00')).toBeUndefined();
    });

    it('reads every shape as Date.parse does: years, month ends, leap days, fractions, offsets and separators', () => {
      let compared = 0;
      for (const year of ['0100', '1600', '1900', '1970', '1999', '2000', '2024', '2025', '9999']) {
        for (const month of ['01', '02', '04', '12']) {
          for (const day of ['01', '28', '29', '30', '31']) {
            for (const time of ['00:00:00', '23:59:59', '12:34:56']) {
              for (const fraction of ['', '.5', '.12', '.123', '.1234', '.999999', '.123456789']) {
                for (const zone of ['Z', 'z', '+00:00', '-05:30', '+14:00', '+23:59', '-23:59']) {
                  for (const t of ['T', 't']) {
                    const text = `${year}-${month}-${day}${t}${time}${fraction}${zone}`;
                    const real = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDate() === Number(day);
                    const expected = real ? Date.parse(text.toUpperCase()) : undefined;
                    expect([text, parseRfc3339(text)]).toEqual([text, expected]);
                    compared++;
                  }
                }
              }
            }
          }
        }
      }
      expect(compared).toBe(9 * 4 * 5 * 3 * 7 * 7 * 2);
    });

    it('normalizes the timestamp to the form toISOString writes, and keeps one already in it', () => {
      for (const [sent, stored] of [
        ['2025-06-01T11:59:00.000Z', '2025-06-01T11:59:00.000Z'],
        ['2025-06-01t11:59:00.000z', '2025-06-01T11:59:00.000Z'],
        ['2025-06-01T11:59:00Z', '2025-06-01T11:59:00.000Z'],
        ['2025-06-01T11:59:00.1234Z', '2025-06-01T11:59:00.123Z'],
        ['2025-06-01T13:59:00.000+02:00', '2025-06-01T11:59:00.000Z'],
      ]) {
        const checked = validateUsageEvent(event({ timestamp: sent }), now);
        expect(checked.ok && checked.event.timestamp).toBe(stored);
      }
    });
  });

  describe('usage', () => {
    it.each([-1, 1.5, '10', Number.MAX_SAFE_INTEGER + 1, NaN])('refuses %p as a count', (value) => {
      expect(errorsOf(event({ usage: { inputTokens: value, outputTokens: 0 } }))).toEqual([
        { field: '/usage/inputTokens', message: 'must be a non-negative integer' },
      ]);
    });

    it('requires inputTokens and outputTokens and defaults nothing else', () => {
      expect(fieldsOf(event({ usage: { cachedInputTokens: 1 } }))).toEqual(['/usage/inputTokens', '/usage/outputTokens']);
      const result = validateUsageEvent(event({ usage: { inputTokens: 3, outputTokens: 4 } }), now);
      expect(result.ok && result.event.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
    });

    it('refuses cached plus cache-write tokens above the input', () => {
      expect(errorsOf(event({ usage: { inputTokens: 100, outputTokens: 1, cachedInputTokens: 60, cacheWriteTokens: 41 } }))).toEqual([
        { field: '/usage/cacheWriteTokens', message: '(101) exceeds inputTokens (with cachedInputTokens) (100)' },
      ]);
      expect(fieldsOf(event({ usage: { inputTokens: 100, outputTokens: 1, cachedInputTokens: 101 } }))).toEqual([
        '/usage/cachedInputTokens',
      ]);
      expect(
        validateUsageEvent(event({ usage: { inputTokens: 100, outputTokens: 1, cachedInputTokens: 60, cacheWriteTokens: 40 } }), now).ok,
      ).toBe(true);
    });

    it('applies every part-of-a-whole rule of the token convention', () => {
      const cases: [Record<string, number>, string][] = [
        [{ cacheWriteTokens: 5, cacheWrite1hTokens: 6 }, 'cacheWrite1hTokens'],
        [{ inputAudioTokens: 5, cachedInputAudioTokens: 6, cachedInputTokens: 6 }, 'cachedInputAudioTokens'],
        [{ inputImageTokens: 5, cachedInputImageTokens: 6, cachedInputTokens: 6 }, 'cachedInputImageTokens'],
        [{ inputAudioTokens: 5, cachedInputAudioTokens: 5, cachedInputTokens: 4 }, 'cachedInputTokens'],
        [{ cachedInputTokens: 50, inputAudioTokens: 51 }, 'inputAudioTokens'],
        [{ cachedInputTokens: 50, inputImageTokens: 51 }, 'inputImageTokens'],
        [{ reasoningTokens: 11 }, 'reasoningTokens'],
        [{ reasoningTokens: 5, outputAudioTokens: 6 }, 'outputAudioTokens'],
        [{ reasoningTokens: 5, outputImageTokens: 6 }, 'outputImageTokens'],
      ];
      for (const [counts, field] of cases) {
        expect(fieldsOf(event({ usage: { inputTokens: 100, outputTokens: 10, ...counts } }))).toEqual([`/usage/${field}`]);
      }
    });

    it("accepts the SDK's audio and image names as aliases of the canonical ones", () => {
      const result = validateUsageEvent(
        event({ usage: { inputTokens: 100, outputTokens: 10, audioInputTokens: 20, audioOutputTokens: 3, imageInputTokens: 30 } }),
        now,
      );
      expect(result.ok && result.event.usage).toEqual({
        inputTokens: 100,
        outputTokens: 10,
        inputAudioTokens: 20,
        outputAudioTokens: 3,
        inputImageTokens: 30,
      });
      expect(errorsOf(event({ usage: { inputTokens: 100, outputTokens: 10, audioInputTokens: 20, inputAudioTokens: 21 } }))).toEqual([
        { field: '/usage/audioInputTokens', message: 'is another name for inputAudioTokens, which says 21' },
      ]);
      expect(fieldsOf(event({ usage: { inputTokens: 100, outputTokens: 10, imageInputTokens: 101 } }))).toEqual([
        '/usage/inputImageTokens',
      ]);
    });
  });

  describe('strings', () => {
    it('checks ids: visible ASCII, at most 128 characters', () => {
      expect(fieldsOf(event({ id: 'has space' }))).toEqual(['/id']);
      expect(fieldsOf(event({ id: 'é' }))).toEqual(['/id']);
      expect(fieldsOf(event({ id: 'x'.repeat(129) }))).toEqual(['/id']);
      expect(validateUsageEvent(event({ id: 'x'.repeat(128) }), now).ok).toBe(true);
      expect(fieldsOf(event({ id: 42 }))).toEqual(['/id']);
    });

    it('checks providers and models', () => {
      expect(validateUsageEvent(event({ provider: 'aws.bedrock' }), now).ok).toBe(true);
      expect(validateUsageEvent(event({ provider: 'huggingface_together' }), now).ok).toBe(true);
      expect(fieldsOf(event({ provider: 'open ai' }))).toEqual(['/provider']);
      expect(fieldsOf(event({ provider: 'p'.repeat(65) }))).toEqual(['/provider']);
      expect(fieldsOf(event({ model: 'gpt\n4' }))).toEqual(['/model']);
      expect(fieldsOf(event({ model: 'm'.repeat(257) }))).toEqual(['/model']);
      expect(fieldsOf(event({ model: '   ' }))).toEqual(['/model']);
    });

    it('allows errorType only on errors', () => {
      expect(validateUsageEvent(event({ status: 'error', errorType: 'RateLimitError' }), now).ok).toBe(true);
      expect(errorsOf(event({ errorType: 'RateLimitError' }))).toEqual([
        { field: '/errorType', message: 'is only allowed with status "error"' },
      ]);
      expect(fieldsOf(event({ status: 'failed' }))).toEqual(['/status']);
    });

    it('bounds user, trace and span ids', () => {
      expect(fieldsOf(event({ userId: 'u'.repeat(257), traceId: '', spanId: 7 }))).toEqual(['/userId', '/traceId', '/spanId']);
    });
  });

  describe('prompt-prefix fingerprint', () => {
    const hash = 'a'.repeat(64);
    it('takes a SHA-256 in lowercase hex, a token count and a tool count (0 when absent)', () => {
      const full = validateUsageEvent(event({ promptPrefix: { hash, tokens: 2048, tools: 3 } }), now);
      expect(full.ok && full.event.promptPrefix).toEqual({ hash, tokens: 2048, tools: 3 });
      const bare = validateUsageEvent(event({ promptPrefix: { hash, tokens: 0 } }), now);
      expect(bare.ok && bare.event.promptPrefix).toEqual({ hash, tokens: 0, tools: 0 });
      const none = validateUsageEvent(event(), now);
      expect(none.ok && 'promptPrefix' in none.event).toBe(false);
    });

    it('names each bad part', () => {
      expect(errorsOf(event({ promptPrefix: 'abc' }))).toEqual([
        { field: '/promptPrefix', message: 'must be an object { hash, tokens, tools? }' },
      ]);
      expect(fieldsOf(event({ promptPrefix: { hash: 'A'.repeat(64), tokens: -1, tools: 1.5, text: 'You are' } }))).toEqual([
        '/promptPrefix/text',
        '/promptPrefix/hash',
        '/promptPrefix/tokens',
        '/promptPrefix/tools',
      ]);
      expect(fieldsOf(event({ promptPrefix: { hash, tokens: USAGE_LIMITS.maxPromptPrefixTokens + 1 } }))).toEqual(['/promptPrefix/tokens']);
    });
  });

  it('bounds latency to a non-negative integer of at most a day', () => {
    expect(fieldsOf(event({ latencyMs: -1 }))).toEqual(['/latencyMs']);
    expect(fieldsOf(event({ latencyMs: 812.5 }))).toEqual(['/latencyMs']);
    expect(fieldsOf(event({ latencyMs: USAGE_LIMITS.maxLatencyMs + 1 }))).toEqual(['/latencyMs']);
    expect(validateUsageEvent(event({ latencyMs: 0 }), now).ok).toBe(true);
  });

  it('takes an event without latencyMs (a backfill, forwarded billing data) and leaves it out, never zero', () => {
    const { latencyMs: _latency, ...withoutLatency } = event();
    const result = validateUsageEvent(withoutLatency, now);
    expect(result.ok).toBe(true);
    expect(result.ok && 'latencyMs' in result.event).toBe(false);
    expect(fieldsOf(event({ latencyMs: null }))).toEqual(['/latencyMs']);
  });

  describe('tags', () => {
    it('takes up to 50 string values', () => {
      const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
      expect(validateUsageEvent(event({ tags: fifty }), now).ok).toBe(true);
      expect(errorsOf(event({ tags: { ...fifty, extra: 'x' } }))).toEqual([{ field: '/tags', message: 'must have at most 50 tags' }]);
    });

    it('bounds names to 64 characters and values to 256, and wants strings', () => {
      expect(fieldsOf(event({ tags: { ['k'.repeat(65)]: 'v', ok: 'v'.repeat(257), n: 3, '': 'x' } }))).toEqual([
        `/tags/${'k'.repeat(65)}`,
        '/tags/ok',
        '/tags/n',
        '/tags/',
      ]);
      expect(validateUsageEvent(event({ tags: { ['k'.repeat(64)]: 'v'.repeat(256), empty: '' } }), now).ok).toBe(true);
      expect(fieldsOf(event({ tags: ['a'] }))).toEqual(['/tags']);
    });
  });

  describe('what PostgreSQL cannot store (U+0000, unpaired surrogates)', () => {
    const NUL = '\u0000';
    const HIGH = '\ud83d';
    const LOW = '\ude00';
    it.each([
      ['a NUL in metadata', { metadata: { note: `a${NUL}b` } }, '/metadata/note'],
      ['a NUL in a metadata key', { metadata: { [`k${NUL}`]: 'v' } }, `/metadata/k${NUL}`],
      ['a lone high surrogate deep in metadata', { metadata: { a: [{ b: `x${HIGH}` }] } }, '/metadata/a/0/b'],
      ['a lone low surrogate in a metadata key', { metadata: { nested: { [LOW]: 1 } } }, `/metadata/nested/${LOW}`],
      ['a lone surrogate in a tag value', { tags: { app: `w${HIGH}` } }, '/tags/app'],
      ['a lone surrogate in a tag name', { tags: { [`${LOW}k`]: 'v' } }, `/tags/${LOW}k`],
      ['a lone surrogate in the model', { model: `gpt-4o${HIGH}` }, '/model'],
      ['a lone surrogate in the user id', { userId: `u${LOW}` }, '/userId'],
      ['a NUL in the user id', { userId: `u${NUL}` }, '/userId'],
      ['a surrogate pair in the wrong order', { traceId: `${LOW}${HIGH}` }, '/traceId'],
    ])('refuses %s, naming the field', (_, fields, field) => {
      expect(fieldsOf(event(fields))).toEqual([field]);
    });

    it('accepts paired surrogates (emoji) everywhere', () => {
      const emoji = `${HIGH}${LOW}`;
      const ok = validateUsageEvent(
        event({ model: `m${emoji}`, userId: emoji, tags: { [emoji]: emoji }, metadata: { [emoji]: [emoji, { x: emoji }] } }),
        now,
      );
      expect(ok.ok).toBe(true);
    });

    it('refuses metadata nested deeper than it walks', () => {
      const deep = Array.from({ length: 40 }).reduce<unknown>((inner) => ({ d: inner }), 'x');
      expect(fieldsOf(event({ metadata: deep }))).toHaveLength(1);
    });
  });

  it('bounds metadata to 16 KiB of JSON, counting UTF-8 bytes', () => {
    const room = USAGE_LIMITS.maxMetadataBytes - '{"x":""}'.length;
    expect(validateUsageEvent(event({ metadata: { x: 'a'.repeat(room) } }), now).ok).toBe(true);
    expect(errorsOf(event({ metadata: { x: 'a'.repeat(room + 1) } }))[0]).toEqual({
      field: '/metadata',
      message: `must be at most 16384 bytes as JSON (it is ${USAGE_LIMITS.maxMetadataBytes + 1})`,
    });
    expect(fieldsOf(event({ metadata: { x: 'é'.repeat(room / 2 + 1) } }))).toEqual(['/metadata']);
    expect(fieldsOf(event({ metadata: 'note' }))).toEqual(['/metadata']);
  });

  describe('cost override', () => {
    it('takes a decimal string in USD', () => {
      const result = validateUsageEvent(event({ cost: { amount: '0.000123', currency: 'USD' } }), now);
      expect(result.ok && result.event.cost).toEqual({ amount: '0.000123', currency: 'USD' });
      expect(validateUsageEvent(event({ cost: { amount: '1234567890123456.123456789012', currency: 'USD' } }), now).ok).toBe(true);
    });

    it.each([0.0123, '-1', '1e-5', '.5', '1.', '0.1234567890123', '12345678901234567'])('refuses the amount %p', (amount) => {
      expect(fieldsOf(event({ cost: { amount, currency: 'USD' } }))).toEqual(['/cost/amount']);
    });

    it('wants an ISO currency, and USD', () => {
      expect(errorsOf(event({ cost: { amount: '1', currency: 'usd' } }))).toEqual([
        { field: '/cost/currency', message: 'must be an ISO 4217 currency code, e.g. USD' },
      ]);
      expect(errorsOf(event({ cost: { amount: '1', currency: 'EUR' } }))).toEqual([
        { field: '/cost/currency', message: 'must be USD: costs are accounted in US dollars' },
      ]);
      expect(fieldsOf(event({ cost: { amount: '1', currency: 'USD', note: 'x' } }))).toEqual(['/cost/note']);
      expect(fieldsOf(event({ cost: '1.00' }))).toEqual(['/cost']);
    });
  });

  it('reports every problem of an event at once', () => {
    expect(fieldsOf(event({ provider: '', latencyMs: -3, tags: { a: 1 }, cost: { amount: 'x', currency: 'USD' } }))).toEqual([
      '/provider',
      '/latencyMs',
      '/tags/a',
      '/cost/amount',
    ]);
  });
});

describe('validateUsageBatch', () => {
  it('accepts the valid events and lists the invalid ones with their index and id', () => {
    const result = validateUsageBatch({ events: [event({ id: 'a' }), event({ id: 'b', model: '' }), event({ id: 'c' }), 'junk'] }, now);
    expect(result.accepted.map((a) => [a.index, a.event.id])).toEqual([
      [0, 'a'],
      [2, 'c'],
    ]);
    expect(result.rejected).toEqual([
      { index: 1, id: 'b', errors: [{ field: '/events/1/model', message: 'must be a non-empty string' }] },
      { index: 3, errors: [{ field: '/events/3', message: 'must be an object' }] },
    ]);
  });

  it.each([
    [null, '/'],
    [{ events: 'x' }, '/events'],
    [{ events: [] }, '/events'],
    [{ events: [event()], extra: 1 }, '/extra'],
    [{ events: Array.from({ length: USAGE_LIMITS.maxEventsPerBatch + 1 }, () => event()) }, '/events'],
  ])('refuses a malformed body %#', (body, field) => {
    const result = validateUsageBatch(body, now);
    expect(result.accepted).toEqual([]);
    expect(result.rejected).toEqual([{ index: -1, errors: [{ field, message: expect.any(String) }] }]);
  });
});
