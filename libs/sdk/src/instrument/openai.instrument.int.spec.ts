import OpenAI from 'openai';
import { withContext } from '../context';
import type { LLMLabError } from '../errors';
import { LLMLab } from '../llmlab.client';
import { CHAT_MODEL, EMBEDDING_MODEL, RESPONSES_MODEL, startFakeOpenAI, type FakeOpenAI } from '../testing/fake-openai.server';
import { startFakeIngest, type FakeIngest } from '../testing/fake-ingest.server';
import { refusedUrl } from '../testing/http-server';
import type { UsageEvent } from '../usage-event';

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello' }];

const CHAT_USAGE_MAPPED = {
  inputTokens: 1_200,
  outputTokens: 80,
  cachedInputTokens: 1_024,
  cacheWriteTokens: 0,
  reasoningTokens: 32,
  audioInputTokens: 0,
  audioOutputTokens: 0,
};

describe('instrument(openai)', () => {
  let provider: FakeOpenAI;
  let ingest: FakeIngest;
  let errors: LLMLabError[];
  let lab: LLMLab;
  let plain: OpenAI;
  let client: OpenAI;

  const newClient = () => new OpenAI({ apiKey: 'sk-test', baseURL: provider.baseURL, maxRetries: 0 });

  /** Everything recorded so far, as the ingest server received it. */
  const recorded = async (): Promise<UsageEvent[]> => {
    await lab.flush();
    return ingest.accepted;
  };

  beforeEach(async () => {
    [provider, ingest] = await Promise.all([startFakeOpenAI(), startFakeIngest()]);
    errors = [];
    lab = new LLMLab({
      apiKey: 'llm_test_key',
      baseUrl: ingest.url,
      flushOnExit: false,
      onError: (error) => errors.push(error),
      defaultTags: { env: 'test' },
    });
    plain = newClient();
    client = lab.instrument(newClient(), { tags: { app: 'support-bot', feature: 'default' } });
  });

  afterEach(async () => {
    await lab.shutdown();
    await Promise.all([provider.close(), ingest.close()]);
    expect(errors).toEqual([]);
  });

  describe('chat.completions.create', () => {
    it('returns exactly what the client returns, and records the call with its usage', async () => {
      const expected = await plain.chat.completions.create({ model: 'gpt-4o-mini', messages });
      const completion = await withContext({ userId: 'user-42', traceId: 'trace-1', tags: { feature: 'faq' } }, () =>
        client.chat.completions.create({ model: 'gpt-4o-mini', messages }),
      );
      expect(completion).toEqual(expected);
      expect(completion._request_id).toBe('req_2');

      const [event] = await recorded();
      expect(event).toEqual({
        id: expect.any(String),
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        provider: 'openai',
        model: CHAT_MODEL,
        usage: CHAT_USAGE_MAPPED,
        latencyMs: expect.any(Number),
        status: 'success',
        userId: 'user-42',
        traceId: 'trace-1',
        tags: { env: 'test', app: 'support-bot', feature: 'faq' },
        metadata: { operation: 'chat.completions.create', stream: false, requestId: 'req_2' },
      });
    });

    it("fingerprints the request's system prompt and tools, and sends neither", async () => {
      const system = 'You are the support agent of Acme. Never promise refunds.';
      const tools: OpenAI.Chat.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: { id: { type: 'string' } } } } },
      ];
      for (const question of ['Where is my order?', 'Cancel it please']) {
        await client.chat.completions.create({
          model: 'gpt-4o-mini',
          tools,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: question },
          ],
        });
      }
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      const [first, second, bare] = await recorded();
      expect(first.promptPrefix).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), tokens: expect.any(Number), tools: 1 });
      expect(first.promptPrefix!.tokens).toBeGreaterThan(system.length / 4);
      expect(second.promptPrefix).toEqual(first.promptPrefix);
      expect(bare.promptPrefix).toBeUndefined();
      expect(JSON.stringify(await recorded())).not.toContain('Never promise refunds');
    });

    it("takes the end user from the request's `user` when the context names none", async () => {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages, user: 'end-user-7' });
      const [event] = await recorded();
      expect(event.userId).toBe('end-user-7');
    });

    it('asks a stream for usage, records it, and keeps the usage-only chunk from the caller', async () => {
      const params: OpenAI.Chat.ChatCompletionCreateParamsStreaming = { model: 'gpt-4o-mini', messages, stream: true };
      const plainChunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const chunk of await plain.chat.completions.create(params)) plainChunks.push(chunk);

      const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const chunk of await client.chat.completions.create(params)) chunks.push(chunk);

      expect(provider.requests[1].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
      expect(params).not.toHaveProperty('stream_options');
      expect(chunks.map((c) => c.choices)).toEqual(plainChunks.map((c) => c.choices));
      expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
      expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello! How can I help?');

      const [event] = await recorded();
      expect(event).toMatchObject({
        model: CHAT_MODEL,
        usage: CHAT_USAGE_MAPPED,
        status: 'success',
        metadata: { operation: 'chat.completions.create', stream: true, requestId: 'req_2' },
      });
      expect(event.metadata.timeToFirstChunkMs).toEqual(expect.any(Number));
      expect(event.latencyMs).toBeGreaterThanOrEqual(event.metadata.timeToFirstChunkMs as number);
    });

    it('passes the usage chunk on when the caller asked for it', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1_200 } });
      expect((await recorded())[0].usage).toEqual(CHAT_USAGE_MAPPED);
    });

    it('leaves stream_options alone when told to, and says the usage is missing', async () => {
      const bare = lab.instrument(newClient(), { injectStreamUsage: false });
      for await (const chunk of await bare.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })) {
        expect(chunk.choices).toHaveLength(1);
      }
      expect(provider.requests[0].body).not.toHaveProperty('stream_options');
      const [event] = await recorded();
      expect(event.usage).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
      expect(event.metadata).toMatchObject({ usageMissing: true });
    });

    it('records a stream the caller stops reading as aborted', async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content === 'Hello') break;
      }
      const [event] = await recorded();
      expect(event).toMatchObject({ status: 'success', model: CHAT_MODEL, metadata: { streamAborted: true } });
    });

    it('records each call once through the stream() helper', async () => {
      const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages });
      const completion = await runner.finalChatCompletion();
      expect(completion.choices[0].message.content).toBe('Hello! How can I help?');
      const events = await recorded();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ usage: CHAT_USAGE_MAPPED, metadata: { stream: true } });
    });

    it('records a tee()d stream once, and neither branch sees the usage-only chunk', async () => {
      const [left, right] = (await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })).tee();
      const read = async (stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>) => {
        const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
        for await (const chunk of stream) chunks.push(chunk);
        return chunks;
      };
      const [a, b] = await Promise.all([read(left), read(right)]);
      expect(a).toHaveLength(6);
      expect(b).toEqual(a);
      const events = await recorded();
      expect(events).toHaveLength(1);
      expect(events[0].usage).toEqual(CHAT_USAGE_MAPPED);
    });

    it('keeps the parse() helper working', async () => {
      const parsed = await client.chat.completions.parse({ model: 'gpt-4o-mini', messages });
      expect(parsed.choices[0].message.content).toBe('Hello! How can I help?');
      expect(await recorded()).toHaveLength(1);
    });

    it('keeps withResponse() and asResponse() working', async () => {
      const { data, response, request_id } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
      expect(data.model).toBe(CHAT_MODEL);
      expect(response.status).toBe(200);
      expect(request_id).toBe('req_1');

      const raw = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).asResponse();
      expect(((await raw.json()) as OpenAI.Chat.ChatCompletion).usage?.prompt_tokens).toBe(1_200);
      expect((await recorded()).filter((e) => e.metadata.requestId === 'req_1')).toHaveLength(1);
    });

    it('records an API error, and the caller still gets the error the client threw', async () => {
      provider.failNext({ status: 429, type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached' });
      const failure = client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      await expect(failure).rejects.toBeInstanceOf(OpenAI.RateLimitError);
      await expect(failure).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' });

      const [event] = await recorded();
      expect(event).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-mini',
        status: 'error',
        errorType: 'RateLimitError',
        usage: { inputTokens: 0, outputTokens: 0 },
        metadata: { operation: 'chat.completions.create', httpStatus: 429, providerErrorType: 'requests' },
      });
    });

    it('records a bad request and a connection failure by their error class', async () => {
      provider.failNext({ status: 400, type: 'invalid_request_error', message: 'Unrecognized request argument supplied: foo' });
      await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      const offline = lab.instrument(new OpenAI({ apiKey: 'sk-test', baseURL: `${await refusedUrl()}/v1`, maxRetries: 0 }));
      await expect(offline.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
      const events = await recorded();
      expect(events.map((e) => [e.status, e.errorType])).toEqual([
        ['error', 'BadRequestError'],
        ['error', 'APIConnectionError'],
      ]);
    });
  });

  describe('responses.create', () => {
    it('records a response with its usage', async () => {
      const expected = await plain.responses.create({ model: 'gpt-4.1', input: 'Say hello' });
      const response = await client.responses.create({ model: 'gpt-4.1', input: 'Say hello' });
      expect(response).toEqual(expected);
      expect(response.output_text).toBe('Hello! How can I help?');
      const [event] = await recorded();
      expect(event).toMatchObject({
        model: RESPONSES_MODEL,
        usage: { inputTokens: 900, outputTokens: 150, cachedInputTokens: 512, cacheWriteTokens: 0, reasoningTokens: 64 },
        status: 'success',
        metadata: { operation: 'responses.create', stream: false },
      });
    });

    it('records a streamed response from its response.completed event, passing every event on', async () => {
      const types: string[] = [];
      for await (const event of await client.responses.create({ model: 'gpt-4.1', input: 'Say hello', stream: true })) {
        types.push(event.type);
      }
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      expect(types).toHaveLength(12);
      const [event] = await recorded();
      expect(event).toMatchObject({ model: RESPONSES_MODEL, usage: { inputTokens: 900, reasoningTokens: 64 }, metadata: { stream: true } });
    });

    it('keeps the stream() helper working and records it once', async () => {
      const response = await client.responses.stream({ model: 'gpt-4.1', input: 'Say hello' }).finalResponse();
      expect(response.output_text).toBe('Hello! How can I help?');
      const events = await recorded();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ usage: { inputTokens: 900 }, metadata: { operation: 'responses.create', stream: true } });
    });
  });

  describe('embeddings.create', () => {
    it('records prompt tokens as input and leaves the decoded vectors as they were', async () => {
      const expected = await plain.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
      const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
      expect(result).toEqual(expected);
      expect(result.data[0].embedding).toHaveLength(3);
      const [event] = await recorded();
      expect(event).toMatchObject({ model: EMBEDDING_MODEL, usage: { inputTokens: 8, outputTokens: 0 } });
    });
  });

  it('records each call once when a client is instrumented twice', async () => {
    expect(lab.instrument(client)).toBe(client);
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(await recorded()).toHaveLength(1);
  });

  it('tells onError, and leaves alone, a client it does not know', () => {
    const unknown = { completions: {} };
    expect(lab.instrument(unknown)).toBe(unknown);
    expect(errors.map((e) => e.code)).toEqual(['instrumentation']);
    errors.length = 0;
  });

  it('never disturbs the host when LLMLab itself is unreachable', async () => {
    const offline = new LLMLab({
      apiKey: 'llm_test_key',
      baseUrl: await refusedUrl(),
      flushOnExit: false,
      maxRetries: 0,
      onError: () => undefined,
    });
    const instrumented = offline.instrument(newClient());
    const completion = await instrumented.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.choices[0].message.content).toBe('Hello! How can I help?');
    for await (const chunk of await instrumented.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })) {
      expect(chunk.object).toBe('chat.completion.chunk');
    }
    await expect(offline.flush()).resolves.toBeUndefined();
    await expect(offline.shutdown()).resolves.toBeUndefined();
    expect(offline.getStats()).toMatchObject({ failed: 2 });
  });
});
