import type OpenAI from 'openai';
import { openAIOperations, usageFromOpenAIChat, usageFromOpenAIResponses } from './openai.operations';

const [chat, responses, embeddings] = openAIOperations;

describe('usageFromOpenAIChat', () => {
  it('keeps the totals (cached input and reasoning are already inside them) and names the details', () => {
    const usage: OpenAI.CompletionUsage = {
      prompt_tokens: 1_200,
      completion_tokens: 80,
      total_tokens: 1_280,
      prompt_tokens_details: { cached_tokens: 1_024, cache_write_tokens: 64, audio_tokens: 5, image_tokens: 7 },
      completion_tokens_details: { reasoning_tokens: 32, audio_tokens: 3 },
    };
    expect(usageFromOpenAIChat(usage)).toEqual({
      inputTokens: 1_200,
      outputTokens: 80,
      cachedInputTokens: 1_024,
      cacheWriteTokens: 64,
      reasoningTokens: 32,
      audioInputTokens: 5,
      audioOutputTokens: 3,
      imageInputTokens: 7,
    });
  });

  it('reads usage without details as plain counts', () => {
    const usage: OpenAI.CompletionUsage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    expect(usageFromOpenAIChat(usage)).toEqual({
      inputTokens: 3,
      outputTokens: 1,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe('usageFromOpenAIResponses', () => {
  it('maps input, cached, cache-write, output and reasoning tokens', () => {
    const usage: OpenAI.Responses.ResponseUsage = {
      input_tokens: 900,
      input_tokens_details: { cached_tokens: 512, cache_write_tokens: 100 },
      output_tokens: 150,
      output_tokens_details: { reasoning_tokens: 64 },
      total_tokens: 1_050,
    };
    expect(usageFromOpenAIResponses(usage)).toEqual({
      inputTokens: 900,
      outputTokens: 150,
      cachedInputTokens: 512,
      cacheWriteTokens: 100,
      reasoningTokens: 64,
    });
  });
});

describe('chat.completions.create', () => {
  const stream = { model: 'gpt-4o', messages: [], stream: true };

  it('asks a stream for usage when the caller did not, on a copy of the params', () => {
    const prepared = chat.prepare!(stream, {});
    expect(prepared).toEqual({ params: { ...stream, stream_options: { include_usage: true } }, hideUsageChunk: true });
    expect(stream).not.toHaveProperty('stream_options');
  });

  it("keeps the caller's other stream options", () => {
    const params = { ...stream, stream_options: { include_obfuscation: false } };
    expect(chat.prepare!(params, {}).params.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
  });

  it('leaves alone a stream that asks for usage, a non-streamed call, and a client that opted out', () => {
    const asked = { ...stream, stream_options: { include_usage: true } };
    expect(chat.prepare!(asked, {})).toEqual({ params: asked, hideUsageChunk: false });
    expect(chat.prepare!({ model: 'gpt-4o', messages: [] }, {}).hideUsageChunk).toBe(false);
    expect(chat.prepare!(stream, { injectStreamUsage: false })).toEqual({ params: stream, hideUsageChunk: false });
  });

  it('hides only the usage-only chunk, and only when the SDK asked for it', () => {
    const usageChunk = { choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
    const azureFilterChunk = { choices: [], usage: null, prompt_filter_results: [] };
    expect(chat.collectStream!(true).hides(usageChunk)).toBe(true);
    expect(chat.collectStream!(true).hides(azureFilterChunk)).toBe(false);
    expect(chat.collectStream!(false).hides(usageChunk)).toBe(false);
  });

  it('collects the model and the usage of a stream', () => {
    const collector = chat.collectStream!(true);
    collector.observe({ model: 'gpt-4o-2024-08-06', choices: [{ delta: { content: 'hi' } }], usage: null });
    collector.observe({ model: 'gpt-4o-2024-08-06', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } });
    expect(collector.outcome()).toEqual({
      model: 'gpt-4o-2024-08-06',
      usage: { inputTokens: 5, outputTokens: 2, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });

  it("names the end user from the request's safety_identifier, else user", () => {
    expect(chat.requestUserId!({ user: 'u-old', safety_identifier: 'u-new' })).toBe('u-new');
    expect(chat.requestUserId!({ user: 'u-old' })).toBe('u-old');
    expect(chat.requestUserId!({})).toBeUndefined();
  });
});

describe('responses.create', () => {
  it('reports a failed response as an error with its code', () => {
    expect(responses.readResult({ model: 'o3', status: 'failed', error: { code: 'server_error' }, usage: null })).toEqual({
      model: 'o3',
      usage: undefined,
      failure: 'server_error',
    });
  });

  it('takes model and usage from the events that carry the response', () => {
    const collector = responses.collectStream!(false);
    collector.observe({ type: 'response.created', response: { model: 'o3-2025-04-16', usage: null } });
    collector.observe({ type: 'response.output_text.delta', delta: 'hi' });
    collector.observe({
      type: 'response.completed',
      response: { model: 'o3-2025-04-16', status: 'completed', usage: { input_tokens: 4, output_tokens: 9 } },
    });
    expect(collector.outcome()).toEqual({
      model: 'o3-2025-04-16',
      usage: { inputTokens: 4, outputTokens: 9, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      failure: undefined,
    });
  });
});

describe('embeddings.create', () => {
  it('counts prompt tokens as input', () => {
    expect(embeddings.readResult({ model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({
      model: 'text-embedding-3-small',
      usage: { inputTokens: 8, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });
});
