import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEvent, normalizeUsage, uuidv7 } from './usage-event';
import { SDK_VERSION } from './version';

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID whose first 48 bits are the time in ms', () => {
    const now = Date.parse('2025-06-01T12:00:00.123Z');
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts by time and does not repeat', () => {
    const ids = [uuidv7(1_000), uuidv7(2_000), uuidv7(3_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1_000 }, () => uuidv7())).size).toBe(1_000);
  });
});

describe('normalizeUsage', () => {
  it('fills the five counts and keeps optional ones only when given', () => {
    expect(normalizeUsage({ inputTokens: 10, audioInputTokens: 3 })).toEqual({
      inputTokens: 10,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      audioInputTokens: 3,
    });
  });

  it('turns negative, fractional and non-numeric counts into whole non-negative numbers', () => {
    expect(normalizeUsage({ inputTokens: -4, outputTokens: 2.6, cachedInputTokens: Number.NaN })).toMatchObject({
      inputTokens: 0,
      outputTokens: 3,
      cachedInputTokens: 0,
    });
  });
});

describe('buildEvent', () => {
  const input = { provider: 'openai', model: 'gpt-4o', latencyMs: 12.4 };

  it('fills id, RFC 3339 timestamp, status, usage, tags and metadata', () => {
    const event = buildEvent({ ...input, timestamp: new Date('2025-06-01T12:00:00Z') }, {}, {});
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: '2025-06-01T12:00:00.000Z',
      provider: 'openai',
      model: 'gpt-4o',
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      latencyMs: 12,
      status: 'success',
      tags: {},
      metadata: {},
    });
  });

  it('keeps a caller-chosen id', () => {
    expect(buildEvent({ ...input, id: 'evt-1' }, {}, {}).id).toBe('evt-1');
  });

  it('layers tags: defaults, then context, then the event', () => {
    const event = buildEvent(
      { ...input, tags: { feature: 'search' } },
      { tags: { feature: 'chat', team: 'growth' } },
      { env: 'prod', team: 'core' },
    );
    expect(event.tags).toEqual({ env: 'prod', team: 'growth', feature: 'search' });
  });

  it('takes ids from the context unless the event has its own', () => {
    const context = { userId: 'u-ctx', traceId: 't-ctx', spanId: 's-ctx' };
    expect(buildEvent(input, context, {})).toMatchObject(context);
    expect(buildEvent({ ...input, userId: 'u-evt' }, context, {}).userId).toBe('u-evt');
  });
});

describe('SDK_VERSION', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });
});
