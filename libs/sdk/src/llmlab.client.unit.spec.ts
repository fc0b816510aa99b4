import { LLMLabError } from './errors';
import { LLMLab, type LLMLabOptions } from './llmlab.client';
import type { UsageEventInput } from './usage-event';
import type { UsageBatch, UsageTransport, UsageTransportResponse } from './usage.transport';

/** Answers every batch with `reply` (202 by default) and keeps what it was sent. */
class MemoryTransport implements UsageTransport {
  readonly batches: UsageBatch[] = [];
  reply: (batch: UsageBatch) => Promise<UsageTransportResponse> = async (batch) => ({
    status: 202,
    body: { accepted: batch.events.length, duplicates: 0, rejected: [] },
  });

  send(batch: UsageBatch): Promise<UsageTransportResponse> {
    this.batches.push(batch);
    return this.reply(batch);
  }
}

const call = (n: number, extra: Partial<UsageEventInput> = {}): UsageEventInput => ({
  provider: 'openai',
  model: 'gpt-4o',
  latencyMs: n,
  ...extra,
});

describe('LLMLab (in memory)', () => {
  let transport: MemoryTransport;
  let errors: LLMLabError[];
  let lab: LLMLab;

  const open = (options: Partial<LLMLabOptions> = {}) => {
    lab = new LLMLab({
      apiKey: 'llm_test_key',
      baseUrl: 'http://unused',
      transport,
      flushOnExit: false,
      flushIntervalMs: 60_000,
      retryBaseDelayMs: 1,
      onError: (error) => errors.push(error),
      ...options,
    });
    return lab;
  };

  beforeEach(() => {
    transport = new MemoryTransport();
    errors = [];
  });

  afterEach(() => lab.shutdown());

  it('sends in recording order, in batches of at most maxBatchSize', async () => {
    open({ maxBatchSize: 100 });
    for (let i = 0; i < 250; i++) lab.record(call(i));
    await lab.flush();
    expect(transport.batches.map((b) => b.events.length)).toEqual([100, 100, 50]);
    expect(transport.batches.flatMap((b) => b.events.map((e) => e.latencyMs))).toEqual([...Array(250).keys()]);
    expect(lab.getStats()).toEqual({ queued: 0, inFlight: 0, sent: 250, failed: 0, dropped: 0 });
  });

  it('caps maxBatchSize at the ingest limit of 1000', async () => {
    open({ maxBatchSize: 5_000 });
    for (let i = 0; i < 1_500; i++) lab.record(call(i));
    await lab.flush();
    expect(transport.batches.map((b) => b.events.length)).toEqual([1_000, 500]);
  });

  it('sends as soon as a full batch is queued, without waiting for the interval', async () => {
    open({ maxBatchSize: 10 });
    for (let i = 0; i < 10; i++) lab.record(call(i));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(transport.batches).toHaveLength(1);
  });

  it('sends in the background every flushIntervalMs', async () => {
    open({ flushIntervalMs: 10 });
    lab.record(call(1));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(transport.batches).toHaveLength(1);
  });

  it('keeps a batch under 1 MiB by bytes as well as by count', async () => {
    open();
    const blob = 'x'.repeat(300 * 1024);
    for (let i = 0; i < 5; i++) lab.record(call(i, { metadata: { blob } }));
    await lab.flush();
    expect(transport.batches.map((b) => b.events.length)).toEqual([3, 2]);
    for (const batch of transport.batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(1024 * 1024);
  });

  it('drops the oldest events when the queue is full, counts them and reports them once per burst', async () => {
    open({ maxQueueSize: 5 });
    for (let i = 1; i <= 8; i++) lab.record(call(i));
    expect(lab.getStats()).toMatchObject({ queued: 5, dropped: 3 });
    await Promise.resolve();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'queue_overflow', eventCount: 3 });
    await lab.flush();
    expect(transport.batches[0].events.map((e) => e.latencyMs)).toEqual([4, 5, 6, 7, 8]);
  });

  it('never throws from record(): an unserializable event is reported and dropped', () => {
    open();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => lab.record(call(1, { metadata: circular }))).not.toThrow();
    expect(() => lab.record(call(2, { timestamp: new Date(Number.NaN) }))).not.toThrow();
    expect(errors.map((e) => e.code)).toEqual(['invalid_event', 'invalid_event']);
    expect(lab.getStats()).toMatchObject({ queued: 0, dropped: 2 });
  });

  it('refuses an event bigger than a whole batch may be', async () => {
    open();
    lab.record(call(1, { metadata: { blob: 'x'.repeat(1024 * 1024) } }));
    await lab.flush();
    expect(errors.map((e) => e.code)).toEqual(['event_too_large']);
    expect(transport.batches).toHaveLength(0);
  });

  it('swallows an onError handler that throws', () => {
    open({
      onError: () => {
        throw new Error('handler bug');
      },
    });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => lab.record(call(1, { metadata: circular }))).not.toThrow();
  });

  it('treats a transport that throws as a network error, and retries it', async () => {
    open({ maxRetries: 2 });
    let calls = 0;
    transport.reply = async (batch) => {
      if (++calls === 1) throw new TypeError('fetch failed');
      return { status: 202, body: { accepted: batch.events.length, duplicates: 0, rejected: [] } };
    };
    lab.record(call(1));
    await lab.flush();
    expect(transport.batches).toHaveLength(2);
    expect(transport.batches[1].events[0].id).toBe(transport.batches[0].events[0].id);
    expect(errors).toEqual([]);
  });

  it('reports the events a 202 lists as rejected', async () => {
    open();
    transport.reply = async (batch) => ({
      status: 202,
      body: {
        accepted: 1,
        duplicates: 0,
        rejected: [{ index: 1, id: batch.events[1].id, errors: ['/events/1/model: unknown provider'] }],
      },
    });
    lab.record(call(1));
    lab.record(call(2));
    await lab.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'events_rejected', eventCount: 1, status: 202 });
    expect(lab.getStats()).toMatchObject({ sent: 1, failed: 1 });
  });

  it('reports the events of a 400 whose every event was rejected, with their list, and does not retry', async () => {
    open();
    transport.reply = async (batch) => ({
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        accepted: 0,
        duplicates: 0,
        rejected: batch.events.map((e, index) => ({ index, id: e.id, errors: [{ field: `/events/${index}/model`, message: 'x' }] })),
      },
    });
    lab.record(call(1));
    lab.record(call(2));
    await lab.flush();
    expect(transport.batches).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'events_rejected', eventCount: 2, status: 400 });
    expect(lab.getStats()).toMatchObject({ sent: 0, failed: 2 });
  });

  it('drops and reports, once, what is recorded after shutdown', async () => {
    open();
    await lab.shutdown();
    lab.record(call(1));
    lab.record(call(2));
    expect(errors.map((e) => e.code)).toEqual(['closed']);
    expect(lab.getStats()).toMatchObject({ dropped: 2 });
  });

  it('gives shutdown a deadline: past it, what is undelivered is dropped and reported', async () => {
    open({ shutdownTimeoutMs: 50 });
    transport.reply = () => new Promise(() => undefined);
    lab.record(call(1));
    lab.record(call(2));
    const started = Date.now();
    await lab.shutdown();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(errors.map((e) => [e.code, e.eventCount])).toEqual([['shutdown_timeout', 2]]);
    expect(lab.getStats()).toMatchObject({ queued: 0, inFlight: 0, dropped: 2 });
  });

  it('flushes through shutdown() when Node is about to exit', async () => {
    const before = process.listeners('beforeExit');
    open({ flushOnExit: true });
    const hook = process.listeners('beforeExit').find((listener) => !before.includes(listener));
    lab.record(call(1));
    hook!(0);
    await lab.shutdown();
    expect(transport.batches).toHaveLength(1);
    expect(process.listeners('beforeExit')).not.toContain(hook);
  });
});
