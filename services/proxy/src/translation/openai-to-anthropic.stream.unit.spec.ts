import type { AnthropicStreamEvent } from './anthropic.wire';
import { openAISse, textStreamChunks, toolCallStreamChunks } from './fixtures/openai.samples';
import type { OpenAIChatChunk } from './openai.wire';
import { OpenAIToAnthropicStream } from './openai-to-anthropic.stream';
import { SseParser } from './sse.parser';

const options = { model: 'claude-sonnet-4-5' };

/** As the proxy runs it: bytes in, parsed chunks, translated events out; `[DONE]` ends the upstream stream. */
function translate(pieces: (string | Uint8Array)[]): AnthropicStreamEvent[] {
  const parser = new SseParser();
  const stream = new OpenAIToAnthropicStream(options);
  const read = (messages: { data: string }[]) =>
    messages.flatMap((message) => (message.data === '[DONE]' ? stream.end() : stream.push(JSON.parse(message.data) as OpenAIChatChunk)));
  return [...pieces.flatMap((piece) => read(parser.feed(piece))), ...read(parser.end())];
}

function run(chunks: OpenAIChatChunk[], end = true): AnthropicStreamEvent[] {
  const stream = new OpenAIToAnthropicStream(options);
  return [...chunks.flatMap((chunk) => stream.push(chunk)), ...(end ? stream.end() : [])];
}

/**
 * The order Anthropic's streaming guide gives: `message_start`; per block, its start, deltas of its kind and its
 * stop, one block at a time, indices from 0; then one `message_delta` and `message_stop` last.
 */
function expectValidOrder(events: AnthropicStreamEvent[]) {
  expect(events[0].type).toBe('message_start');
  expect(events[events.length - 1].type).toBe('message_stop');
  let open: { index: number; kind: string } | undefined;
  let next = 0;
  let delta = false;
  for (const event of events.slice(1, -1)) {
    switch (event.type) {
      case 'content_block_start':
        expect(open).toBeUndefined();
        expect(event.index).toBe(next++);
        open = { index: event.index, kind: event.content_block.type };
        break;
      case 'content_block_delta':
        expect(event.index).toBe(open?.index);
        expect(event.delta.type).toBe(open?.kind === 'text' ? 'text_delta' : 'input_json_delta');
        break;
      case 'content_block_stop':
        expect(event.index).toBe(open?.index);
        open = undefined;
        break;
      case 'message_delta':
        expect(open).toBeUndefined();
        expect(delta).toBe(false);
        delta = true;
        break;
      default:
        throw new Error(`${event.type} out of place`);
    }
  }
  expect(delta).toBe(true);
}

/** What a client accumulating the events ends up with (as the Anthropic SDK's `finalMessage()` does). */
function accumulate(events: AnthropicStreamEvent[]) {
  const blocks: Record<string, unknown>[] = [];
  const json: string[] = [];
  let stopReason: string | null = null;
  let usage: Record<string, unknown> = {};
  for (const event of events) {
    if (event.type === 'message_start') usage = { ...event.message.usage };
    if (event.type === 'content_block_start') blocks[event.index] = { ...event.content_block };
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') (blocks[event.index].text as string) += event.delta.text;
    if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta')
      json[event.index] = (json[event.index] ?? '') + event.delta.partial_json;
    if (event.type === 'message_delta') {
      stopReason = event.delta.stop_reason;
      usage = { ...usage, ...event.usage };
    }
  }
  json.forEach((text, index) => (blocks[index].input = JSON.parse(text)));
  return { content: blocks, stopReason, usage };
}

describe('OpenAIToAnthropicStream', () => {
  it('translates a text stream with a usage chunk, event by event', () => {
    const events = translate([openAISse(textStreamChunks)]);
    expect(events).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ...['Hello', '! How', ' can I', ' help?'].map((text) => ({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text },
      })),
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: {
          input_tokens: 176,
          output_tokens: 80,
          cache_read_input_tokens: 1_024,
          cache_creation_input_tokens: 0,
          output_tokens_details: { thinking_tokens: 32 },
        },
      },
      { type: 'message_stop' },
    ]);
  });

  it('translates a streamed function call into a tool_use block', () => {
    const events = translate([openAISse(toolCallStreamChunks)]);
    expectValidOrder(events);
    expect(events[1]).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', input: {} },
    });
    expect(accumulate(events)).toEqual({
      content: [{ type: 'tool_use', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', input: { location: 'Paris, France' } }],
      stopReason: 'tool_use',
      usage: { input_tokens: 61, output_tokens: 16, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  it('yields the same events however the bytes are split', () => {
    const bytes = new TextEncoder().encode(openAISse(textStreamChunks.slice(-3)));
    const expected = translate([bytes]);
    expectValidOrder(expected);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(translate([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
    }
    const long = new TextEncoder().encode(openAISse(toolCallStreamChunks));
    expect(translate([...long].map((byte) => Uint8Array.of(byte)))).toEqual(translate([openAISse(toolCallStreamChunks)]));
  });

  it('closes the text block before a tool call, and each tool call before the next', () => {
    const [base] = textStreamChunks;
    const chunk = (
      delta: OpenAIChatChunk['choices'][0]['delta'],
      finish: OpenAIChatChunk['choices'][0]['finish_reason'] = null,
    ): OpenAIChatChunk => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: null,
    });
    const events = run([
      chunk({ role: 'assistant', content: 'Checking ' }),
      chunk({ content: 'both.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] }),
      chunk({}, 'tool_calls'),
      { ...base, choices: [], usage: { prompt_tokens: 90, completion_tokens: 30, total_tokens: 120 } },
    ]);
    expectValidOrder(events);
    expect(accumulate(events).content).toEqual([
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
    ]);
  });

  it('reports a streamed refusal with stop_reason refusal', () => {
    const [first, , , , , finish, usage] = textStreamChunks;
    const refusal = {
      ...first,
      choices: [{ index: 0, delta: { refusal: "I'm sorry, I can't help with that." }, logprobs: null, finish_reason: null }],
    };
    const events = run([first, refusal, finish, usage]);
    expectValidOrder(events);
    expect(accumulate(events)).toMatchObject({
      content: [{ type: 'text', text: "I'm sorry, I can't help with that." }],
      stopReason: 'refusal',
    });
  });

  it('ends the message at the end of the stream when no usage chunk came', () => {
    const events = run(textStreamChunks.slice(0, -1));
    expectValidOrder(events);
    expect(accumulate(events).usage).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  });

  it('answers an upstream stream cut short with an error, not a whole-looking message', () => {
    const events = run(textStreamChunks.slice(0, 3));
    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'error',
    ]);
    expect(new OpenAIToAnthropicStream(options).end()).toEqual([]);
  });

  it('turns an upstream error into Anthropic’s error event, and reads nothing after it', () => {
    const stream = new OpenAIToAnthropicStream(options);
    stream.push(textStreamChunks[0]);
    expect(
      stream.push({
        error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null },
      }),
    ).toEqual([{ type: 'error', error: { type: 'api_error', message: 'The server had an error while processing your request.' } }]);
    expect(stream.push(textStreamChunks[1])).toEqual([]);
    expect(stream.end()).toEqual([]);
  });
});
