import type { LLMLabError } from './errors';
import { LLMLab, type LLMLabOptions } from './llmlab.client';
import { startFakeIngest, type FakeIngest } from './testing/fake-ingest.server';
import { refusedUrl } from './testing/http-server';
import { SDK_VERSION } from './version';

const call = (n: number) => ({ provider: 'anthropic', model: 'claude-sonnet-4-5', latencyMs: n, tags: { n: String(n) } });

describe('LLMLab against an ingest server', () => {
  let ingest: FakeIngest;
  let errors: LLMLabError[];
  let lab: LLMLab;

  const open = (options: Partial<LLMLabOptions> = {}) => {
    lab = new LLMLab({
      apiKey: 'llm_test_0123456789',
      baseUrl: `${ingest.url}/`,
      flushOnExit: false,
      flushIntervalMs: 60_000,
      retryBaseDelayMs: 10,
      onError: (error) => errors.push(error),
      ...options,
    });
    return lab;
  };

  beforeEach(async () => {
    ingest = await startFakeIngest();
    errors = [];
  });

  afterEach(async () => {
    await lab.shutdown();
    await ingest.close();
  });

  it('posts {events} as JSON to /v1/usage with the API key as a bearer token', async () => {
    open();
    lab.record({ ...call(1), id: 'evt-1', timestamp: new Date('2025-06-01T12:00:00Z'), usage: { inputTokens: 7 } });
    await lab.flush();
    expect(ingest.received).toHaveLength(1);
    const [batch] = ingest.received;
    expect(batch.authorization).toBe('Bearer llm_test_0123456789');
    expect(batch.contentType).toBe('application/json');
    expect(ingest.requests[0].headers['user-agent']).toBe(`llmlab-sdk-node/${SDK_VERSION}`);
    expect(batch.events).toEqual([
      {
        id: 'evt-1',
        timestamp: '2025-06-01T12:00:00.000Z',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        usage: { inputTokens: 7, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
        latencyMs: 1,
        status: 'success',
        tags: { n: '1' },
        metadata: {},
      },
    ]);
    expect(errors).toEqual([]);
  });

  it('retries a 500 and delivers the same events, ids unchanged', async () => {
    open();
    ingest.replyNext({ status: 500 }, { status: 502 });
    for (let i = 0; i < 3; i++) lab.record(call(i));
    await lab.flush();
    expect(ingest.received.map((b) => b.status)).toEqual([500, 502, 202]);
    const ids = ingest.received.map((b) => b.events.map((e) => e.id));
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    expect(ingest.accepted).toHaveLength(3);
    expect(errors).toEqual([]);
    expect(lab.getStats()).toMatchObject({ sent: 3, failed: 0 });
  });

  it('waits out Retry-After on a 429, then delivers the same events', async () => {
    open();
    ingest.replyNext({ status: 429, headers: { 'retry-after': '1' }, body: { title: 'Too Many Requests' } });
    lab.record(call(1));
    const started = Date.now();
    await lab.flush();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(ingest.received.map((b) => b.status)).toEqual([429, 202]);
    expect(ingest.received[1].events[0].id).toBe(ingest.received[0].events[0].id);
  });

  it('retries a request that times out', async () => {
    open({ requestTimeoutMs: 100 });
    ingest.replyNext({ status: 202, delayMs: 2_000 });
    lab.record(call(1));
    await lab.flush();
    expect(ingest.received).toHaveLength(2);
    expect(ingest.accepted.map((e) => e.id)).toEqual([ingest.received[0].events[0].id]);
  });

  it('does not retry a 400, and reports it with what the server said', async () => {
    open();
    const problem = { type: 'about:blank', title: 'Bad Request', status: 400, detail: '/events/0/timestamp: too old' };
    ingest.replyNext({ status: 400, body: problem });
    lab.record(call(1));
    await lab.flush();
    expect(ingest.received).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'request_rejected', status: 400, eventCount: 1, details: problem });
    expect(lab.getStats()).toMatchObject({ sent: 0, failed: 1 });
  });

  it('gives up after maxRetries and reports the batch', async () => {
    open({ maxRetries: 2 });
    ingest.replyNext({ status: 503 }, { status: 503 }, { status: 503 });
    lab.record(call(1));
    await lab.flush();
    expect(ingest.received).toHaveLength(3);
    expect(errors.map((e) => [e.code, e.status, e.eventCount])).toEqual([['retries_exhausted', 503, 1]]);
  });

  it('never throws at the host while the ingest server is down', async () => {
    lab = new LLMLab({
      apiKey: 'llm_test_0123456789',
      baseUrl: await refusedUrl(),
      flushOnExit: false,
      maxRetries: 1,
      retryBaseDelayMs: 1,
      onError: (error) => errors.push(error),
    });
    expect(() => {
      for (let i = 0; i < 5; i++) lab.record(call(i));
    }).not.toThrow();
    await expect(lab.flush()).resolves.toBeUndefined();
    await expect(lab.shutdown()).resolves.toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['retries_exhausted']);
    expect((errors[0].cause as Error).message).toBe('fetch failed');
    expect(lab.getStats()).toMatchObject({ failed: 5 });
  });

  it('reports, rather than throws, a missing address', async () => {
    expect(() => {
      lab = new LLMLab({
        apiKey: process.env.LLMLAB_UNSET_KEY as string,
        baseUrl: process.env.LLMLAB_UNSET_URL as string,
        flushOnExit: false,
        maxRetries: 0,
        onError: (error) => errors.push(error),
      });
      lab.record(call(1));
    }).not.toThrow();
    await lab.flush();
    expect(errors.map((e) => e.code)).toEqual(['retries_exhausted']);
  });

  it('delivers everything queued on shutdown()', async () => {
    open({ maxBatchSize: 4 });
    for (let i = 0; i < 10; i++) lab.record(call(i));
    await lab.shutdown();
    expect(ingest.accepted.map((e) => e.latencyMs)).toEqual([...Array(10).keys()]);
    expect(ingest.received.map((b) => b.events.length)).toEqual([4, 4, 2]);
  });

  it('keeps to its deadline on shutdown() when the server hangs', async () => {
    open({ shutdownTimeoutMs: 200 });
    ingest.replyNext({ status: 202, delayMs: 5_000 });
    lab.record(call(1));
    const started = Date.now();
    await lab.shutdown();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(errors.map((e) => [e.code, e.eventCount])).toEqual([['shutdown_timeout', 1]]);
  });
});
