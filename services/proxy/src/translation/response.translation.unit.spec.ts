import type { AnthropicMessage, AnthropicStopReason } from './anthropic.wire';
import { toAnthropicError, toOpenAIError } from './error.translation';
import { cachedUsage as anthropicCachedUsage, toolUseMessage } from './fixtures/anthropic.samples';
import { cachedUsage as openAICachedUsage, toolCallCompletion } from './fixtures/openai.samples';
import type { OpenAIChatCompletion, OpenAIFinishReason } from './openai.wire';
import { toAnthropicMessage, toAnthropicStopReason, toOpenAIChatCompletion, toOpenAIFinishReason } from './response.translation';
import type { Translation } from './translation.result';
import { toAnthropicUsage, toOpenAIUsage } from './usage.translation';

function body<T>(result: Translation<T>): T {
  if (!result.ok) throw new Error(`refused ${result.field}: ${result.reason}`);
  return result.body;
}

function message(fields: Partial<AnthropicMessage>): AnthropicMessage {
  return { ...toolUseMessage, content: [{ type: 'text', text: 'Hi!' }], stop_reason: 'end_turn', ...fields };
}

function completion(
  messageFields: Partial<OpenAIChatCompletion['choices'][0]['message']>,
  finish: OpenAIFinishReason = 'stop',
): OpenAIChatCompletion {
  const [choice] = toolCallCompletion.choices;
  return {
    ...toolCallCompletion,
    choices: [{ ...choice, message: { role: 'assistant', content: null, refusal: null, ...messageFields }, finish_reason: finish }],
  };
}

describe('toOpenAIChatCompletion', () => {
  it('translates an answer with text and a tool call', () => {
    const result = toOpenAIChatCompletion(toolUseMessage, { model: 'gpt-4o', id: 'chatcmpl-proxy-1', created: 1_741_569_952 });
    expect(result).toEqual({
      ok: true,
      dropped: [],
      body: {
        id: 'chatcmpl-proxy-1',
        object: 'chat.completion',
        created: 1_741_569_952,
        model: 'gpt-4o',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: "I'll check the current weather in San Francisco for you.",
              refusal: null,
              tool_calls: [
                {
                  id: 'toolu_01A09q90qw90lq917835lq9',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
                },
              ],
              annotations: [],
            },
            finish_reason: 'tool_calls',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 384, completion_tokens: 77, total_tokens: 461, prompt_tokens_details: { cached_tokens: 0 } },
      },
    });
  });

  it('takes the message id and the current time when given neither', () => {
    const before = Math.floor(Date.now() / 1000);
    const { id, created } = body(toOpenAIChatCompletion(message({}), { model: 'gpt-4o' }));
    expect(id).toBe('msg_01Aq9w938a90dw8q');
    expect(created).toBeGreaterThanOrEqual(before);
  });

  it('reads text split by citations as one text, and drops thinking', () => {
    const result = toOpenAIChatCompletion(
      message({
        content: [
          { type: 'thinking', thinking: 'The user wants…', signature: 'EqQBCgIYAhIM' },
          { type: 'text', text: 'The grass is ' },
          { type: 'text', text: 'green', citations: [{ type: 'char_location', cited_text: 'The grass is green.' }] },
          { type: 'text', text: '.' },
        ],
      }),
      { model: 'gpt-4o', created: 0 },
    );
    expect(result.ok && result.body.choices[0].message.content).toBe('The grass is green.');
    expect(result.ok && result.dropped).toEqual(['content.thinking', 'content.citations']);
  });

  it('refuses a server tool block, which has no chat completions form', () => {
    const serverTool = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'news' } };
    expect(toOpenAIChatCompletion(message({ content: [serverTool as never] }), { model: 'gpt-4o' })).toEqual({
      ok: false,
      field: 'content[0]',
      reason: expect.any(String),
    });
  });
});

describe('toAnthropicMessage', () => {
  it('translates an answer with a tool call', () => {
    expect(toAnthropicMessage(toolCallCompletion, { model: 'claude-sonnet-4-5' })).toEqual({
      ok: true,
      dropped: [],
      body: {
        id: 'chatcmpl-abc123',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } }],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 82, output_tokens: 17, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      },
    });
  });

  it('reports a refusal as the text of the answer with stop_reason refusal', () => {
    const result = body(toAnthropicMessage(completion({ refusal: "I'm sorry, I can't help with that." }), { model: 'claude-sonnet-4-5' }));
    expect(result.content).toEqual([{ type: 'text', text: "I'm sorry, I can't help with that." }]);
    expect(result.stop_reason).toBe('refusal');
  });

  it('leaves out empty text, and names annotations it drops', () => {
    const annotation = {
      type: 'url_citation',
      url_citation: { url: 'https://example.com', title: 'Example', start_index: 0, end_index: 4 },
    };
    const result = toAnthropicMessage(completion({ content: 'Text', annotations: [annotation] }), { model: 'claude-sonnet-4-5' });
    expect(result.ok && result.dropped).toEqual(['message.annotations']);
    expect(body(toAnthropicMessage(completion({ content: '' }), { model: 'm' })).content).toEqual([]);
  });

  it.each<[string, OpenAIChatCompletion, string]>([
    ['two choices', { ...toolCallCompletion, choices: [...toolCallCompletion.choices, ...toolCallCompletion.choices] }, 'choices'],
    [
      'an audio answer',
      completion({ audio: { id: 'audio_1', data: 'UklGR', expires_at: 0, transcript: 'Hi' } }),
      'choices[0].message.audio',
    ],
    [
      'tool arguments that are not a JSON object',
      completion({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '[1, 2]' } }] }, 'tool_calls'),
      'choices[0].message.tool_calls[0].function.arguments',
    ],
  ])('refuses %s', (_name, input, field) => {
    expect(toAnthropicMessage(input, { model: 'claude-sonnet-4-5' })).toEqual({ ok: false, field, reason: expect.any(String) });
  });
});

describe('stop and finish reasons', () => {
  it.each<[AnthropicStopReason, OpenAIFinishReason]>([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('%s is %s', (stop, finish) => {
    expect(toOpenAIFinishReason(stop)).toBe(finish);
  });

  it.each<[OpenAIFinishReason, AnthropicStopReason]>([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('%s is %s', (finish, stop) => {
    expect(toAnthropicStopReason(finish)).toBe(stop);
  });

  it('ends normally on a reason newer than the code', () => {
    expect(toOpenAIFinishReason('compaction' as AnthropicStopReason)).toBe('stop');
    expect(toAnthropicStopReason('insufficient_system_resource' as OpenAIFinishReason)).toBe('end_turn');
  });
});

describe('usage convention', () => {
  it('counts Anthropic cache reads and writes into prompt_tokens, the reads as cached', () => {
    expect(toOpenAIUsage(anthropicCachedUsage)).toEqual({
      prompt_tokens: 12 + 4_096 + 2_048,
      completion_tokens: 40,
      total_tokens: 12 + 4_096 + 2_048 + 40,
      prompt_tokens_details: { cached_tokens: 4_096, cache_write_tokens: 2_048 },
    });
  });

  it('takes the cached tokens out of OpenAI prompt_tokens, and carries reasoning tokens as thinking tokens', () => {
    expect(toAnthropicUsage(openAICachedUsage)).toEqual({
      input_tokens: 176,
      output_tokens: 80,
      cache_read_input_tokens: 1_024,
      cache_creation_input_tokens: 0,
      output_tokens_details: { thinking_tokens: 32 },
    });
  });

  it('carries thinking tokens as reasoning tokens, and counts nothing for an absent usage', () => {
    expect(
      toOpenAIUsage({ input_tokens: 5, output_tokens: 30, output_tokens_details: { thinking_tokens: 25 } }).completion_tokens_details,
    ).toEqual({
      reasoning_tokens: 25,
    });
    expect(toAnthropicUsage(undefined)).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  });

  it('comes back to the same Anthropic counts through OpenAI', () => {
    const { input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens } = anthropicCachedUsage;
    expect(toAnthropicUsage(toOpenAIUsage(anthropicCachedUsage))).toEqual({
      input_tokens,
      output_tokens,
      cache_read_input_tokens,
      cache_creation_input_tokens,
    });
  });
});

describe('errors', () => {
  it('gives an Anthropic error OpenAI’s shape, keeping its type as the code', () => {
    expect(toOpenAIError({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011CS1' })).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
    expect(
      toOpenAIError({
        type: 'error',
        error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
      }).error.type,
    ).toBe('rate_limit_error');
  });

  it.each<[string, { type: string; code: string | null }, number | undefined, string]>([
    ['a rate limit', { type: 'requests', code: 'rate_limit_exceeded' }, 429, 'rate_limit_error'],
    ['an exhausted quota', { type: 'insufficient_quota', code: 'insufficient_quota' }, 429, 'billing_error'],
    ['a wrong key', { type: 'invalid_request_error', code: 'invalid_api_key' }, 401, 'authentication_error'],
    ['an unknown model', { type: 'invalid_request_error', code: 'model_not_found' }, 404, 'not_found_error'],
    ['a bad request', { type: 'invalid_request_error', code: null }, 400, 'invalid_request_error'],
    ['a server error', { type: 'server_error', code: null }, 500, 'api_error'],
    ['an overload known by status only', { type: 'upstream_error', code: null }, 503, 'overloaded_error'],
    ['an error mid-stream', { type: 'upstream_error', code: null }, undefined, 'api_error'],
  ])('gives %s an Anthropic type', (_name, error, status, type) => {
    expect(toAnthropicError({ error: { message: 'upstream says so', param: null, ...error } }, status)).toEqual({
      type: 'error',
      error: { type, message: 'upstream says so' },
    });
  });
});
