import type Anthropic from '@anthropic-ai/sdk';
import { anthropicOperations, mergeAnthropicUsage, usageFromAnthropic } from './anthropic.operations';

const [messages] = anthropicOperations;

const usage: Anthropic.Usage = {
  input_tokens: 12,
  cache_creation_input_tokens: 2_048,
  cache_read_input_tokens: 4_096,
  cache_creation: { ephemeral_5m_input_tokens: 2_048, ephemeral_1h_input_tokens: 0 },
  inference_geo: null,
  output_tokens: 40,
  output_tokens_details: { thinking_tokens: 25 },
  server_tool_use: null,
  service_tier: 'standard',
  speed: null,
};

describe('usageFromAnthropic', () => {
  it('adds cache reads and writes back into input tokens, which Anthropic leaves out', () => {
    expect(usageFromAnthropic(usage)).toEqual({
      inputTokens: 12 + 2_048 + 4_096,
      outputTokens: 40,
      cachedInputTokens: 4_096,
      cacheWriteTokens: 2_048,
      reasoningTokens: 25,
    });
  });

  it('treats absent cache fields as zero', () => {
    expect(usageFromAnthropic({ input_tokens: 10, output_tokens: 3, cache_read_input_tokens: null })).toEqual({
      inputTokens: 10,
      outputTokens: 3,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe('mergeAnthropicUsage', () => {
  const start = { input_tokens: 12, cache_read_input_tokens: 4_096, cache_creation_input_tokens: 0, output_tokens: 1 };

  it('takes the final output count from a message_delta that carries only it', () => {
    expect(mergeAnthropicUsage(start, { output_tokens: 40 })).toEqual({ ...start, output_tokens: 40 });
  });

  it('lets cumulative message_delta counts replace message_start ones, ignoring nulls', () => {
    const delta: Anthropic.MessageDeltaUsage = {
      input_tokens: 15,
      cache_read_input_tokens: null,
      cache_creation_input_tokens: null,
      output_tokens: 40,
      output_tokens_details: null,
      server_tool_use: null,
    };
    expect(mergeAnthropicUsage(start, delta)).toEqual({ ...start, input_tokens: 15, output_tokens: 40 });
  });
});

describe('messages.create stream', () => {
  it('takes the model from message_start and the usage from message_start merged with message_delta', () => {
    const collector = messages.collectStream!(false);
    collector.observe({ type: 'message_start', message: { model: 'claude-sonnet-4-5', usage: { ...usage, output_tokens: 1 } } });
    collector.observe({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } });
    collector.observe({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } });
    collector.observe({ type: 'message_stop' });
    expect(collector.outcome()).toEqual({ model: 'claude-sonnet-4-5', usage: usageFromAnthropic(usage) });
  });

  it('names the end user from metadata.user_id', () => {
    expect(messages.requestUserId!({ metadata: { user_id: 'u-9' } })).toBe('u-9');
  });
});
