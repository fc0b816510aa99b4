import { type UsageBatchAccepted, type UsageEventInput, IngestionErrorCode } from '@llmlab/contracts';
import { createPriceCatalog, normalizeProvider, type PriceEntry } from '@llmlab/pricing';
import { priceUsage, type PricingSnapshot } from './record-pricing';
import { parseUsageBatch, splitIntoParts, USAGE_PART_MAX_BYTES, USAGE_PART_MAX_EVENTS } from './usage-batch';
import { pseudonymOf } from '../end-users/end-user-pseudonyms';
import { usageRecordedEvents } from './usage-recording.handler';

const pseudonym = (userId: string) => pseudonymOf(Buffer.alloc(32, 7), userId);

const entry = (overrides: Partial<PriceEntry>): PriceEntry => ({
  id: 'catalog:openai:gpt-x',
  provider: 'openai',
  model: 'gpt-x',
  effectiveFrom: null,
  effectiveTo: null,
  currency: 'USD',
  rates: { input: '2', output: '8', cachedInput: '0.5' },
  ...overrides,
});

const pricing: PricingSnapshot = {
  catalog: createPriceCatalog([
    entry({}),
    entry({ id: 'catalog:aws:claude', provider: 'aws', model: 'claude-y', rates: { input: '3', output: '15' } }),
  ]),
  catalogRevision: 4,
  overrides: createPriceCatalog([entry({ id: 'override-1', provider: 'openai', model: 'gpt-cheap', rates: { input: '1', output: '1' } })]),
  overridesRevision: 2,
};

const event = (overrides: Partial<UsageEventInput> = {}): UsageEventInput => ({
  id: 'evt-1',
  timestamp: '2025-06-01T12:00:00.000Z',
  provider: 'openai',
  model: 'gpt-x',
  usage: { inputTokens: 1_000, cachedInputTokens: 600, outputTokens: 100 },
  latencyMs: 300,
  status: 'success',
  tags: {},
  metadata: {},
  ...overrides,
});

const batch = (events: UsageEventInput[]): UsageBatchAccepted => ({
  batchId: '0197a1c2-5b1e-7c3d-9f00-3a1b2c3d4e5f',
  organizationId: '0197a1c2-0000-7000-8000-000000000001',
  projectId: '0197a1c2-0000-7000-8000-000000000002',
  apiKeyId: '0197a1c2-0000-7000-8000-000000000003',
  receivedAt: '2025-06-01T12:00:05.000Z',
  events,
});

describe('recording a usage batch', () => {
  it('prices each event at its timestamp, with the price entry and its origin', () => {
    const [recorded] = usageRecordedEvents(
      batch([
        event(),
        event({ id: 'evt-2', model: 'gpt-cheap' }),
        event({ id: 'evt-3', provider: 'bedrock', model: 'claude-y', usage: { inputTokens: 10, outputTokens: 0 } }),
        event({ id: 'evt-4', model: 'unknown-9' }),
        event({ id: 'evt-5', model: 'unknown-9', cost: { amount: '0.25', currency: 'USD' } }),
      ]),
      pricing,
      pseudonym,
    );
    expect(recorded.type).toBe('UsageRecorded');
    expect(recorded.data).toMatchObject({ part: 0, parts: 1, pricing: { catalogRevision: 4, overridesRevision: 2 } });
    expect(recorded.data.records.map((r) => [r.id, r.provider, r.cost])).toEqual([
      // 400 × $2 + 600 × $0.50 + 100 × $8, per million: cached tokens are not charged as input too.
      [
        'evt-1',
        'openai',
        { status: 'priced', amount: '0.001900000000', currency: 'USD', priceEntryId: 'catalog:openai:gpt-x', priceOrigin: 'catalog' },
      ],
      [
        'evt-2',
        'openai',
        { status: 'priced', amount: '0.001100000000', currency: 'USD', priceEntryId: 'override-1', priceOrigin: 'override' },
      ],
      [
        'evt-3',
        'aws',
        { status: 'priced', amount: '0.000030000000', currency: 'USD', priceEntryId: 'catalog:aws:claude', priceOrigin: 'catalog' },
      ],
      ['evt-4', 'openai', { status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null }],
      ['evt-5', 'openai', { status: 'override', amount: '0.250000000000', currency: 'USD', priceEntryId: null, priceOrigin: null }],
    ]);
  });

  it('derives event ids from the batch id and the part, whatever the prices', () => {
    const accepted = batch([event()]);
    const first = usageRecordedEvents(accepted, pricing, pseudonym).map((e) => e.id);
    const repriced = usageRecordedEvents(accepted, { ...pricing, overrides: undefined, overridesRevision: -1 }, pseudonym).map((e) => e.id);
    expect(repriced).toEqual(first);
    expect(usageRecordedEvents({ ...accepted, batchId: '0197a1c2-5b1e-7c3d-9f00-3a1b2c3d4e60' }, pricing, pseudonym)[0].id).not.toBe(
      first[0],
    );
  });

  it('keeps an end user as the organization-keyed pseudonym, never the id', () => {
    const [recorded] = usageRecordedEvents(batch([event({ userId: 'ada@example.com' }), event({ id: 'evt-2' })]), pricing, pseudonym);
    const [withUser, without] = recorded.data.records;
    expect(withUser.endUser).toMatch(/^eu_[0-9a-f]{32}$/);
    expect(withUser.endUser).toBe(pseudonym('ada@example.com'));
    expect(JSON.stringify(recorded)).not.toContain('ada@example.com');
    expect('userId' in withUser).toBe(false);
    expect('endUser' in without).toBe(false);
    // Another organization's key gives another pseudonym: nothing links one tenant's end users to another's.
    expect(pseudonymOf(Buffer.alloc(32, 8), 'ada@example.com')).not.toBe(withUser.endUser);
  });

  it('writes each record as the event with its end user and cost, keys in the order it had, byte for byte', () => {
    const events = [
      event({ userId: 'ada@example.com', traceId: 't-1', sessionId: 's-1', tags: { team: 'a' }, metadata: { k: 1 } }),
      event({ id: 'evt-2', provider: 'bedrock', model: 'claude-y', errorType: 'Timeout', status: 'error' }),
      event({ id: 'evt-3', cost: { amount: '0.25', currency: 'USD' }, userId: 'bob' }),
      // Keys in another order than the validator's (a backfill's reader), and an `endUser` the event already had.
      { cost: { amount: '1', currency: 'USD' }, userId: 'cyd', ...event({ id: 'evt-4' }), endUser: 'stale' } as UsageEventInput,
    ];
    const [recorded] = usageRecordedEvents(batch(events), pricing, pseudonym);
    // The record as a spread wrote it before issue 15.
    const expected = events.map((e) => {
      const { cost, userId, ...rest } = e;
      const provider = normalizeProvider(e.provider);
      return {
        ...rest,
        ...(userId !== undefined ? { endUser: pseudonym(userId) } : {}),
        provider,
        cost: priceUsage({ ...e, provider }, pricing),
      };
    });
    expect(recorded.data.records.map((r) => JSON.stringify(r))).toEqual(expected.map((r) => JSON.stringify(r)));
  });

  it('cuts parts from the input alone, by count and by size', () => {
    const many = Array.from({ length: USAGE_PART_MAX_EVENTS * 2 + 1 }, (_, i) => event({ id: `e${i}` }));
    expect(splitIntoParts(many).map((p) => p.length)).toEqual([USAGE_PART_MAX_EVENTS, USAGE_PART_MAX_EVENTS, 1]);
    const heavy = Array.from({ length: 10 }, (_, i) => event({ id: `h${i}`, metadata: { blob: 'x'.repeat(100_000) } }));
    expect(splitIntoParts(heavy).map((p) => p.length)).toEqual([2, 2, 2, 2, 2]);
    const events = usageRecordedEvents(batch(heavy), pricing, pseudonym);
    expect(events.map((e) => [e.data.part, e.data.parts])).toEqual([0, 1, 2, 3, 4].map((p) => [p, 5]));
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
  });

  it('cuts near the size limit exactly where event-by-event measuring cuts (the parts, hence the ids, never change)', () => {
    const byEvent = (events: UsageEventInput[]) => {
      const sizes: number[] = [];
      let [count, bytes] = [0, 0];
      for (const e of events) {
        const size = Buffer.byteLength(JSON.stringify(e));
        if (count > 0 && (count >= USAGE_PART_MAX_EVENTS || bytes + size > USAGE_PART_MAX_BYTES)) {
          sizes.push(count);
          [count, bytes] = [0, 0];
        }
        count++;
        bytes += size;
      }
      return count > 0 ? [...sizes, count] : sizes;
    };
    const blob = (n: number) => Array.from({ length: 4 }, (_, i) => event({ id: `b${i}`, metadata: { blob: 'é'.repeat(n) } }));
    const base = Buffer.byteLength(JSON.stringify(blob(0)[0]));
    // Four events whose sizes sum to the limit, give or take a few bytes (é is 2 bytes of UTF-8), and their array.
    const around = Math.floor((USAGE_PART_MAX_BYTES / 4 - base) / 2);
    const seen = new Set<string>();
    for (let n = around - 4; n <= around + 4; n++) {
      const events = blob(n);
      expect(splitIntoParts(events).map((p) => p.length)).toEqual(byEvent(events));
      seen.add(JSON.stringify(byEvent(events)));
    }
    expect([...seen].sort()).toEqual(['[3,1]', '[4]']);
  });
});

describe('reading a message of the ingest stream', () => {
  const message = (overrides: Record<string, unknown> = {}) => ({ ...batch([event({ timestamp: '2025-06-01T11:00:00Z' })]), ...overrides });

  it('checks events against the time the batch was received, not the clock', () => {
    const parsed = parseUsageBatch(message({ receivedAt: '2025-06-01T13:00:00+01:00' }));
    expect(parsed.receivedAt).toBe('2025-06-01T12:00:00.000Z');
    expect(parsed.events[0].timestamp).toBe('2025-06-01T11:00:00.000Z');
  });

  it('refuses a message that breaks the contract, naming every field', () => {
    expect(() => parseUsageBatch(message({ batchId: 'b-1', projectId: 7, receivedAt: 'now', events: [] }))).toThrow(
      expect.objectContaining({
        code: IngestionErrorCode.InvalidUsageBatch,
        errors: [
          { field: '/batchId', message: 'must be a UUID' },
          { field: '/projectId', message: 'must be a UUID' },
          { field: '/receivedAt', message: 'must be an RFC 3339 date-time' },
          { field: '/events', message: 'must be an array of 1 to 1000 events' },
        ],
      }),
    );
    expect(() => parseUsageBatch(message({ events: [event({ timestamp: '2025-04-01T00:00:00Z' })] }))).toThrow(
      /\/events\/0\/timestamp: is more than 35 days old/,
    );
    expect(() => parseUsageBatch('[]')).toThrow(/invalid usage batch/);
  });
});
