import { AnthropicToOpenAIStream, type AnthropicToOpenAIStreamOptions } from './anthropic-to-openai.stream';
import type { AnthropicStreamEvent } from './anthropic.wire';
import { cachedUsage, overloadedErrorSse, shortStreamSse, thinkingStreamSse, toolUseStreamSse } from './fixtures/anthropic.samples';
import type { OpenAIChatChunk, OpenAIErrorBody } from './openai.wire';
import { SseParser } from './sse.parser';

const options: AnthropicToOpenAIStreamOptions = { model: 'gpt-4o', created: 1_741_569_952, includeUsage: true };

const startMessage = {
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message' as const,
  role: 'assistant' as const,
  model: 'claude-haiku-4-5-20251001',
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 1 },
};

/** As the proxy runs it: bytes in, parsed events, translated chunks out. */
function translate(pieces: (string | Uint8Array)[], with_: Partial<AnthropicToOpenAIStreamOptions> = {}) {
  const parser = new SseParser();
  const stream = new AnthropicToOpenAIStream({ ...options, ...with_ });
  const read = (messages: { data: string }[]) =>
    messages.flatMap((message) => stream.push(JSON.parse(message.data) as AnthropicStreamEvent));
  return [...pieces.flatMap((piece) => read(parser.feed(piece))), ...read(parser.end())];
}

type Item = OpenAIChatChunk | OpenAIErrorBody;

/** One line per chunk, to compare whole streams at a glance. */
function describeChunk(item: Item): string {
  if ('error' in item) return `error ${item.error.type}/${item.error.code}: ${item.error.message}`;
  if (item.choices.length === 0) return `usage ${item.usage?.prompt_tokens}+${item.usage?.completion_tokens}`;
  const [{ delta, finish_reason }] = item.choices;
  if (finish_reason) return `finish ${finish_reason}`;
  if (delta.role) return `role ${delta.role}`;
  if (delta.tool_calls) {
    const [call] = delta.tool_calls;
    return call.id ? `call ${call.index} ${call.id} ${call.function?.name}` : `args ${call.index} ${call.function?.arguments}`;
  }
  return `text ${delta.content}`;
}

/** What a client accumulating the chunks ends up with. */
function accumulate(items: Item[]) {
  const chunks = items.filter((item): item is OpenAIChatChunk => !('error' in item));
  const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  for (const call of deltas.flatMap((delta) => delta.tool_calls ?? [])) {
    calls[call.index] ??= { arguments: '' };
    calls[call.index].id ??= call.id;
    calls[call.index].name ??= call.function?.name;
    calls[call.index].arguments += call.function?.arguments ?? '';
  }
  return {
    content: deltas.map((delta) => delta.content ?? '').join(''),
    calls,
    finishReason: chunks.flatMap((chunk) => chunk.choices).find((choice) => choice.finish_reason)?.finish_reason,
    usage: chunks.find((chunk) => chunk.usage)?.usage,
  };
}

describe('AnthropicToOpenAIStream', () => {
  it('translates the streaming guide’s tool use stream chunk by chunk', () => {
    const items = translate([toolUseStreamSse]);
    expect(items[0]).toEqual({
      id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
      object: 'chat.completion.chunk',
      created: 1_741_569_952,
      model: 'gpt-4o',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      usage: null,
    });
    expect(items.map(describeChunk)).toEqual([
      'role assistant',
      ...['Okay', ',', ' let', "'s", ' check', ' the', ' weather', ' for', ' San', ' Francisco', ',', ' CA', ':'].map(
        (text) => `text ${text}`,
      ),
      'call 0 toolu_01T1x1fJ34qAmk2tNTrN7Up6 get_weather',
      ...['{"location":', ' "San', ' Francisc', 'o,', ' CA"', ', ', '"unit": "fah', 'renheit"}'].map((piece) => `args 0 ${piece}`),
      'finish tool_calls',
      'usage 472+89',
    ]);
    expect(items[items.length - 1]).toEqual({
      id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
      object: 'chat.completion.chunk',
      created: 1_741_569_952,
      model: 'gpt-4o',
      choices: [],
      usage: { prompt_tokens: 472, completion_tokens: 89, total_tokens: 561, prompt_tokens_details: { cached_tokens: 0 } },
    });
    const { content, calls } = accumulate(items);
    expect(content).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(calls).toEqual([
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}' },
    ]);
    expect(JSON.parse(calls[0].arguments)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
  });

  it('yields the same chunks however the bytes are split', () => {
    const bytes = new TextEncoder().encode(shortStreamSse);
    const expected = translate([bytes]);
    expect(expected.map(describeChunk)).toEqual(['role assistant', 'text São Paulo: 24 °C ☀️', 'finish stop', 'usage 9+12']);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(translate([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
    }
    const long = new TextEncoder().encode(toolUseStreamSse);
    expect(translate([...long].map((byte) => Uint8Array.of(byte)))).toEqual(translate([toolUseStreamSse]));
  });

  it('numbers parallel tool calls from 0, whatever their block index', () => {
    const events: AnthropicStreamEvent[] = [
      { type: 'message_start', message: { ...startMessage, usage: { input_tokens: 20, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"location": "Paris"}' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: { zone: 'CET' } },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 50 } },
      { type: 'message_stop' },
    ];
    const stream = new AnthropicToOpenAIStream(options);
    const items = events.flatMap((event) => stream.push(event));
    expect(accumulate(items).calls).toEqual([
      { id: 'toolu_a', name: 'get_weather', arguments: '{"location": "Paris"}' },
      { id: 'toolu_b', name: 'get_time', arguments: '{"zone":"CET"}' },
    ]);
    expect(accumulate(items).finishReason).toBe('tool_calls');
  });

  it('leaves thinking out of the answer, and counts it in the completion tokens', () => {
    const items = translate([thinkingStreamSse]);
    expect(items.map(describeChunk)).toEqual(['role assistant', 'text The greatest common divisor is 21.', 'finish stop', 'usage 41+211']);
  });

  it('reports cache reads and writes the way the usage convention says', () => {
    const events: AnthropicStreamEvent[] = [
      { type: 'message_start', message: { ...startMessage, usage: { ...cachedUsage, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'max_tokens', stop_sequence: null },
        usage: { input_tokens: 12, cache_creation_input_tokens: 2_048, cache_read_input_tokens: null, output_tokens: 40 },
      },
      { type: 'message_stop' },
    ];
    const stream = new AnthropicToOpenAIStream(options);
    const { usage, finishReason } = accumulate(events.flatMap((event) => stream.push(event)));
    expect(finishReason).toBe('length');
    expect(usage).toEqual({
      prompt_tokens: 12 + 2_048 + 4_096,
      completion_tokens: 40,
      total_tokens: 12 + 2_048 + 4_096 + 40,
      prompt_tokens_details: { cached_tokens: 4_096, cache_write_tokens: 2_048 },
    });
  });

  it('sends no usage at all when the client did not ask for it', () => {
    const items = translate([toolUseStreamSse], { includeUsage: false });
    expect(items.some((item) => 'usage' in item)).toBe(false);
    expect(items[items.length - 1]).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }] });
  });

  it('turns an error event into OpenAI’s error shape', () => {
    const start = `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: startMessage })}\n\n`;
    expect(translate([start, overloadedErrorSse]).map(describeChunk)).toEqual([
      'role assistant',
      'error server_error/overloaded_error: Overloaded',
    ]);
  });

  it('ignores event types it does not know, and still gives a finish_reason to a stream without message_delta', () => {
    const stream = new AnthropicToOpenAIStream({ ...options, includeUsage: false });
    expect(stream.push({ type: 'message_start', message: startMessage })).toHaveLength(1);
    expect(stream.push({ type: 'compaction_notice', detail: 'new in a later version' } as never)).toEqual([]);
    expect(stream.push({ type: 'message_stop' }).map(describeChunk)).toEqual(['finish stop']);
  });
});
