import Anthropic from '@anthropic-ai/sdk';
import { withContext } from '../context';
import type { LLMLabError } from '../errors';
import { LLMLab } from '../llmlab.client';
import { MESSAGE_MODEL, startFakeAnthropic, type FakeAnthropic } from '../testing/fake-anthropic.server';
import { startFakeIngest, type FakeIngest } from '../testing/fake-ingest.server';
import type { UsageEvent } from '../usage-event';

const params = {
  model: 'claude-haiku-4-5',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Say hello' }],
};

/** 12 uncached + 4096 read from the cache + 2048 written to it: all of them are input. */
const USAGE_MAPPED = {
  inputTokens: 12 + 4_096 + 2_048,
  outputTokens: 40,
  cachedInputTokens: 4_096,
  cacheWriteTokens: 2_048,
  reasoningTokens: 0,
};

describe('instrument(anthropic)', () => {
  let provider: FakeAnthropic;
  let ingest: FakeIngest;
  let errors: LLMLabError[];
  let lab: LLMLab;
  let plain: Anthropic;
  let client: Anthropic;

  const newClient = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.url, maxRetries: 0 });

  const recorded = async (): Promise<UsageEvent[]> => {
    await lab.flush();
    return ingest.accepted;
  };

  beforeEach(async () => {
    [provider, ingest] = await Promise.all([startFakeAnthropic(), startFakeIngest()]);
    errors = [];
    lab = new LLMLab({
      apiKey: 'llm_test_key',
      baseUrl: ingest.url,
      flushOnExit: false,
      onError: (error) => errors.push(error),
    });
    plain = newClient();
    client = lab.instrument(newClient(), { tags: { app: 'writer' }, userId: 'service-account' });
  });

  afterEach(async () => {
    await lab.shutdown();
    await Promise.all([provider.close(), ingest.close()]);
    expect(errors).toEqual([]);
  });

  it('returns exactly what the client returns, and counts cache reads and writes as input', async () => {
    const expected = await plain.messages.create(params);
    const message = await client.messages.create(params);
    expect(message).toEqual(expected);

    const [event] = await recorded();
    expect(event).toEqual({
      id: expect.any(String),
      timestamp: expect.any(String),
      provider: 'anthropic',
      model: MESSAGE_MODEL,
      usage: USAGE_MAPPED,
      latencyMs: expect.any(Number),
      status: 'success',
      userId: 'service-account',
      tags: { app: 'writer' },
      metadata: { operation: 'messages.create', stream: false, requestId: 'req_011CS2' },
    });
  });

  it('takes the end user from metadata.user_id, and the context over both', async () => {
    await client.messages.create({ ...params, metadata: { user_id: 'end-user-1' } });
    await withContext({ userId: 'ctx-user', tags: { feature: 'draft' } }, () =>
      client.messages.create({ ...params, metadata: { user_id: 'end-user-1' } }),
    );
    const events = await recorded();
    expect(events.map((e) => e.userId)).toEqual(['end-user-1', 'ctx-user']);
    expect(events[1].tags).toEqual({ app: 'writer', feature: 'draft' });
  });

  it('records a stream from message_start and message_delta, passing every event on', async () => {
    const expected: string[] = [];
    for await (const event of await plain.messages.create({ ...params, stream: true })) expected.push(event.type);
    const seen: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of await client.messages.create({ ...params, stream: true })) seen.push(event);

    expect(seen.map((e) => e.type)).toEqual(expected);
    expect(expected).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const [event] = await recorded();
    expect(event).toMatchObject({
      model: MESSAGE_MODEL,
      usage: USAGE_MAPPED,
      status: 'success',
      metadata: { operation: 'messages.create', stream: true, requestId: 'req_011CS2' },
    });
  });

  it('records the messages.stream() helper once, and its final message is intact', async () => {
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello! How can I help?' }]);
    expect(final.usage.output_tokens).toBe(40);
    const events = await recorded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ usage: USAGE_MAPPED, metadata: { stream: true } });
  });

  it('records beta.messages.create under its own operation', async () => {
    await client.beta.messages.create({ ...params, betas: ['context-management-2025-06-27'] });
    const [event] = await recorded();
    expect(event).toMatchObject({ usage: USAGE_MAPPED, metadata: { operation: 'beta.messages.create' } });
    expect(provider.requests[0].headers['anthropic-beta']).toBe('context-management-2025-06-27');
  });

  it('records an overloaded API as an error, and the caller gets the client error', async () => {
    provider.failNext({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const failure = client.messages.create(params);
    await expect(failure).rejects.toBeInstanceOf(Anthropic.APIError);
    await expect(failure).rejects.toMatchObject({ status: 529 });
    const [event] = await recorded();
    expect(event).toMatchObject({
      status: 'error',
      errorType: 'OverloadedError',
      model: 'claude-haiku-4-5',
      metadata: { httpStatus: 529, providerErrorType: 'overloaded_error' },
    });
  });

  it('records an error event in the middle of a stream, with the usage known so far', async () => {
    provider.breakNextStream('overloaded_error', 'Overloaded');
    const stream = await client.messages.create({ ...params, stream: true });
    const types: string[] = [];
    await expect(
      (async () => {
        for await (const event of stream) types.push(event.type);
      })(),
    ).rejects.toMatchObject({ type: 'overloaded_error' });
    expect(types).toEqual(['message_start']);
    const [event] = await recorded();
    expect(event).toMatchObject({
      status: 'error',
      errorType: 'APIError',
      usage: { inputTokens: 12 + 4_096 + 2_048, cachedInputTokens: 4_096, outputTokens: 1 },
      metadata: { stream: true, providerErrorType: 'overloaded_error' },
    });
  });
});
