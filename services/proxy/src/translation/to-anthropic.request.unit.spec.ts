import { PNG_BASE64, toolConversationRequest, weatherTool } from './fixtures/openai.samples';
import type { OpenAIChatRequest } from './openai.wire';
import { toAnthropicMessagesRequest, type ToAnthropicRequestOptions } from './to-anthropic.request';

const options: ToAnthropicRequestOptions = { model: 'claude-sonnet-4-5', defaultMaxTokens: 4096 };

function request(fields: Partial<OpenAIChatRequest>): OpenAIChatRequest {
  return { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }], ...fields };
}

function translated(input: OpenAIChatRequest, with_: Partial<ToAnthropicRequestOptions> = {}) {
  const result = toAnthropicMessagesRequest(input, { ...options, ...with_ });
  if (!result.ok) throw new Error(`refused ${result.field}: ${result.reason}`);
  return result;
}

describe('toAnthropicMessagesRequest', () => {
  it('translates a tool-using conversation with an image', () => {
    const input = structuredClone(toolConversationRequest);
    const result = translated(input);
    expect(result.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: 'You are a helpful assistant.',
      messages: [
        { role: 'user', content: "What's the weather like in Boston today?" },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'call_abc123',
              content: '{"temperature": "22", "unit": "celsius", "description": "Sunny"}',
            },
            { type: 'text', text: "What's in this image?" },
            {
              type: 'image',
              source: {
                type: 'url',
                url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg',
              },
            },
          ],
        },
      ],
      tools: [
        {
          name: 'get_current_weather',
          description: 'Get the current weather in a given location',
          input_schema: weatherTool.function.parameters,
        },
      ],
      tool_choice: { type: 'auto' },
      stream: true,
      metadata: { user_id: 'user-1234' },
    });
    expect(result.dropped).toEqual([]);
    expect(input).toEqual(toolConversationRequest);
  });

  it('merges consecutive tool results into one user turn, and consecutive user messages too', () => {
    const { body } = translated(
      request({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking both.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18 °C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24 °C' }] },
          { role: 'assistant', content: 'Paris 18 °C, Rome 24 °C.' },
          { role: 'user', content: 'Thanks.' },
          { role: 'user', content: 'And Oslo?' },
        ],
      }),
    );
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18 °C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '24 °C' }] },
        ],
      },
      { role: 'assistant', content: 'Paris 18 °C, Rome 24 °C.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Thanks.' },
          { type: 'text', text: 'And Oslo?' },
        ],
      },
    ]);
  });

  it('gathers leading system and developer messages into text blocks', () => {
    const { body } = translated(
      request({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello' },
        ],
      }),
    );
    expect(body.system).toEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(body.messages).toEqual([{ role: 'user', content: 'Hello' }]);
  });

  it('sends a data URL image as a base64 source, and names the detail it cannot honour', () => {
    const result = translated(
      request({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'low' } }],
          },
        ],
      }),
    );
    expect(result.body.messages[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
    ]);
    expect(result.dropped).toEqual(['image_url.detail']);
  });

  it('drops an empty assistant text beside tool calls, which Anthropic would reject', () => {
    const { body } = translated(
      request({
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
          },
        ],
      }),
    );
    expect(body.messages[1].content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [
      { type: 'function', function: { name: 'get_current_weather' } },
      { type: 'tool', name: 'get_current_weather' },
    ],
  ] as const)('maps tool_choice %j to %j', (choice, expected) => {
    expect(translated(request({ tools: [weatherTool], tool_choice: choice })).body.tool_choice).toEqual(expected);
  });

  it('turns parallel_tool_calls: false into disable_parallel_tool_use', () => {
    expect(translated(request({ tools: [weatherTool], parallel_tool_calls: false })).body.tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(translated(request({ tools: [weatherTool], tool_choice: 'required', parallel_tool_calls: false })).body.tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(translated(request({ tools: [weatherTool], parallel_tool_calls: true })).body.tool_choice).toBeUndefined();
  });

  it('gives a function without parameters an empty object schema, and keeps strict', () => {
    const { body } = translated(request({ tools: [{ type: 'function', function: { name: 'now', strict: true } }] }));
    expect(body.tools).toEqual([{ name: 'now', input_schema: { type: 'object', properties: {} }, strict: true }]);
  });

  it('takes max_completion_tokens, then max_tokens, then the default, and refuses without any', () => {
    expect(translated(request({ max_completion_tokens: 100, max_tokens: 200 })).body.max_tokens).toBe(100);
    expect(translated(request({ max_tokens: 200 })).body.max_tokens).toBe(200);
    expect(translated(request({ max_tokens: null })).body.max_tokens).toBe(4096);
    expect(toAnthropicMessagesRequest(request({}), { model: 'claude-sonnet-4-5' })).toEqual({
      ok: false,
      field: 'max_tokens',
      reason: expect.stringContaining('requires max_tokens'),
    });
  });

  it('sends stop as stop_sequences, and the end user as metadata.user_id', () => {
    expect(translated(request({ stop: 'END' })).body.stop_sequences).toEqual(['END']);
    expect(translated(request({ stop: ['a', 'b'] })).body.stop_sequences).toEqual(['a', 'b']);
    expect(translated(request({ safety_identifier: 'hashed-42', user: 'legacy' })).body.metadata).toEqual({ user_id: 'hashed-42' });
  });

  it('sends a json_schema response format as output_config.format', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const result = translated(request({ response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } } }));
    expect(result.body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(translated(request({ response_format: { type: 'text' } })).body.output_config).toEqual({});
  });

  describe('sampling', () => {
    it('drops temperature and top_p for API version 2026-10-21, which rejects them', () => {
      const result = translated(request({ temperature: 0.2, top_p: 0.9 }));
      expect(result.body).not.toHaveProperty('temperature');
      expect(result.body).not.toHaveProperty('top_p');
      expect(result.dropped).toEqual(['temperature', 'top_p']);
    });

    it('passes them for 2023-06-01, clamping a temperature above Anthropic’s 1 and saying so', () => {
      const kept = translated(request({ temperature: 0.7, top_p: 0.9 }), { anthropicVersion: '2023-06-01' });
      expect(kept.body).toMatchObject({ temperature: 0.7, top_p: 0.9 });
      expect(kept.dropped).toEqual([]);
      const clamped = translated(request({ temperature: 1.6 }), { anthropicVersion: '2023-06-01' });
      expect(clamped.body.temperature).toBe(1);
      expect(clamped.dropped).toEqual(['temperature']);
    });

    it('drops hints Anthropic has no counterpart for, and names each', () => {
      const result = translated(
        request({
          seed: 7,
          presence_penalty: 0.5,
          frequency_penalty: 0.5,
          logit_bias: { '50256': -100 },
          store: false,
          reasoning_effort: 'low',
        }),
      );
      expect(result.dropped).toEqual(['seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'store', 'reasoning_effort']);
      expect(Object.keys(result.body).sort()).toEqual(['max_tokens', 'messages', 'model']);
    });

    it('ignores null fields, which OpenAI clients send for "not set"', () => {
      const result = translated(request({ temperature: null, n: null, stop: null, logprobs: null, seed: null }));
      expect(result.dropped).toEqual([]);
    });
  });

  describe('refuses what would change the answer', () => {
    it.each<[string, Partial<OpenAIChatRequest>, string]>([
      ['n', { n: 2 }, 'n'],
      ['logprobs', { logprobs: true }, 'logprobs'],
      ['top_logprobs', { top_logprobs: 3 }, 'top_logprobs'],
      ['audio output', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }, 'modalities'],
      ['JSON mode without a schema', { response_format: { type: 'json_object' } }, 'response_format'],
      ['deprecated functions', { functions: [{ name: 'f' }] }, 'functions'],
      ['web search', { web_search_options: {} }, 'web_search_options'],
      ['a custom tool', { tools: [{ type: 'custom', custom: { name: 'grammar' } } as never] }, 'tools[0]'],
      [
        'an allowed_tools choice',
        { tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } as never },
        'tool_choice',
      ],
      [
        'a system message inside the conversation',
        {
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'system', content: 'Now be rude.' },
          ],
        },
        'messages[1].role',
      ],
      [
        'audio input',
        { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } } as never] }] },
        'messages[0].content[0]',
      ],
      [
        'a PDF file',
        { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } } as never] }] },
        'messages[0].content[0]',
      ],
      [
        'an image type Anthropic does not read',
        { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,SUkqAA==' } }] }] },
        'messages[0].content[0]',
      ],
      [
        'tool arguments that are not JSON',
        {
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"city": "Par' } }] },
          ],
        },
        'messages[1].tool_calls[0].function.arguments',
      ],
      ['a function message', { messages: [{ role: 'function', name: 'f', content: '1' } as never] }, 'messages[0].role'],
    ])('%s', (_name, fields, field) => {
      const result = toAnthropicMessagesRequest(request(fields), options);
      expect(result).toEqual({ ok: false, field, reason: expect.any(String) });
    });
  });
});
