import type { AnthropicMessagesRequest } from './anthropic.wire';
import { PNG_BASE64, toolConversationRequest, weatherTool } from './fixtures/anthropic.samples';
import { toOpenAIChatRequest, type ToOpenAIRequestOptions } from './to-openai.request';

const options: ToOpenAIRequestOptions = { model: 'gpt-4.1' };

function request(fields: Partial<AnthropicMessagesRequest>): AnthropicMessagesRequest {
  return { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }], ...fields };
}

function translated(input: AnthropicMessagesRequest, with_: Partial<ToOpenAIRequestOptions> = {}) {
  const result = toOpenAIChatRequest(input, { ...options, ...with_ });
  if (!result.ok) throw new Error(`refused ${result.field}: ${result.reason}`);
  return result;
}

describe('toOpenAIChatRequest', () => {
  it('translates the tool use conversation, splitting the user turn into a tool message and a user message', () => {
    const input = structuredClone(toolConversationRequest);
    const result = translated(input);
    expect(result.body).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        { role: 'user', content: "What's the weather like in San Francisco?" },
        {
          role: 'assistant',
          content: "I'll check the current weather in San Francisco for you.",
          tool_calls: [
            {
              id: 'toolu_01A09q90qw90lq917835lq9',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
        { role: 'user', content: 'And should I take an umbrella?' },
      ],
      max_completion_tokens: 1024,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get the current weather in a given location',
            parameters: weatherTool.input_schema,
          },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      stop: ['\n\nHuman:'],
      user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(result.dropped).toEqual(['cache_control']);
    expect(input).toEqual(toolConversationRequest);
  });

  it('gives each tool result its own tool message, and keeps images as parts', () => {
    const { body, dropped } = translated(
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18 °C' }] },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: 'city not found', is_error: true },
              { type: 'tool_result', tool_use_id: 'toolu_3' },
              { type: 'text', text: 'Compare with this photo:' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/rome.jpg' } },
            ],
          },
        ],
      }),
    );
    expect(body.messages).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: '18 °C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'city not found' },
      { role: 'tool', tool_call_id: 'toolu_3', content: '' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare with this photo:' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/rome.jpg' } },
        ],
      },
    ]);
    expect(dropped).toEqual(['tool_result.is_error']);
  });

  it('makes one system message per system block', () => {
    const { body } = translated(
      request({
        system: [
          { type: 'text', text: 'You are terse.' },
          { type: 'text', text: 'Answer in French.' },
        ],
      }),
    );
    expect(body.messages.slice(0, 2)).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'system', content: 'Answer in French.' },
    ]);
  });

  it('gives an assistant turn of tool calls only null content, and several texts as parts', () => {
    const { body } = translated(
      request({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12:00' }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'It is noon.' },
              { type: 'text', text: ' Anything else?' },
            ],
          },
        ],
      }),
    );
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'now', arguments: '{}' } }],
    });
    expect(body.messages[3]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'It is noon.' },
        { type: 'text', text: ' Anything else?' },
      ],
    });
  });

  it.each([
    [{ type: 'auto' }, { tool_choice: 'auto' }],
    [{ type: 'any' }, { tool_choice: 'required' }],
    [{ type: 'none' }, { tool_choice: 'none' }],
    [{ type: 'tool', name: 'get_weather' }, { tool_choice: { type: 'function', function: { name: 'get_weather' } } }],
    [
      { type: 'any', disable_parallel_tool_use: true },
      { tool_choice: 'required', parallel_tool_calls: false },
    ],
  ] as const)('maps tool_choice %j', (choice, expected) => {
    const { body } = translated(request({ tools: [weatherTool], tool_choice: choice }));
    expect({ tool_choice: body.tool_choice, ...(body.parallel_tool_calls === false ? { parallel_tool_calls: false } : {}) }).toEqual(
      expected,
    );
  });

  it('sends a non-streamed request without stream_options, and temperature and top_p unchanged', () => {
    const { body, dropped } = translated(request({ stream: false, temperature: 0.3, top_p: 0.8, top_k: 40 }));
    expect(body).toMatchObject({ stream: false, temperature: 0.3, top_p: 0.8 });
    expect(body).not.toHaveProperty('stream_options');
    expect(dropped).toEqual(['top_k']);
  });

  it('sends output_config.format as a strict json_schema response format', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const { body } = translated(request({ output_config: { format: { type: 'json_schema', schema } } }));
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema, strict: true } });
  });

  describe('thinking', () => {
    const thinking = request({ max_tokens: 16_000, thinking: { type: 'enabled', budget_tokens: 10_000 } });

    it('is refused for a model that does not reason', () => {
      expect(toOpenAIChatRequest(thinking, options)).toEqual({ ok: false, field: 'thinking', reason: expect.any(String) });
    });

    it('becomes reasoning_effort for a reasoning model, and is named as dropped: no thinking blocks come back', () => {
      const result = translated(thinking, { model: 'o4-mini', reasoning: true });
      expect(result.body.reasoning_effort).toBe('medium');
      expect(result.dropped).toEqual(['thinking']);
      const adaptive = translated(request({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } }), { reasoning: true });
      expect(adaptive.body.reasoning_effort).toBe('high');
    });

    it('is nothing when disabled; an effort without a reasoning model is dropped', () => {
      const result = translated(request({ thinking: { type: 'disabled' }, output_config: { effort: 'low' } }));
      expect(result.body).not.toHaveProperty('reasoning_effort');
      expect(result.dropped).toEqual(['output_config.effort']);
    });

    it('drops the thinking blocks of earlier turns', () => {
      const result = translated(
        request({
          messages: [
            { role: 'user', content: 'GCD of 1071 and 462?' },
            {
              role: 'assistant',
              content: [
                { type: 'thinking', thinking: 'Euclid: 1071 = 2·462 + 147 …', signature: 'EqQBCgIYAhIM' },
                { type: 'text', text: '21' },
              ],
            },
            { role: 'user', content: 'Why?' },
          ],
        }),
      );
      expect(result.body.messages[1]).toEqual({ role: 'assistant', content: '21' });
      expect(result.dropped).toEqual(['content.thinking']);
    });
  });

  describe('refuses what would change the answer', () => {
    it.each<[string, Partial<AnthropicMessagesRequest>, string]>([
      ['more than four stop sequences', { stop_sequences: ['a', 'b', 'c', 'd', 'e'] }, 'stop_sequences'],
      ['a server tool', { tools: [weatherTool, { type: 'web_search_20250305', name: 'web_search', max_uses: 5 } as never] }, 'tools[1]'],
      ['MCP servers', { mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'example' }] }, 'mcp_servers'],
      [
        'a PDF document',
        {
          messages: [
            {
              role: 'user',
              content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } } as never],
            },
          ],
        },
        'messages[0].content[0]',
      ],
      [
        'an uploaded image file',
        { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_011' } } as never] }] },
        'messages[0].content[0].source',
      ],
      [
        'an image in a tool result',
        {
          messages: [
            {
              role: 'user',
              content: [
                {
                  type: 'tool_result',
                  tool_use_id: 'toolu_1',
                  content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }],
                },
              ],
            },
          ],
        },
        'messages[0].content[0].content[0]',
      ],
      [
        'a server tool call in the history',
        {
          messages: [
            { role: 'user', content: 'News?' },
            { role: 'assistant', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } as never] },
          ],
        },
        'messages[1].content[0]',
      ],
    ])('%s', (_name, fields, field) => {
      expect(toOpenAIChatRequest(request(fields), options)).toEqual({ ok: false, field, reason: expect.any(String) });
    });
  });
});
