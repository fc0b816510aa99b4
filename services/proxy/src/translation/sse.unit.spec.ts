import { overloadedErrorSse, shortStreamSse, toolUseStreamSse } from './fixtures/anthropic.samples';
import { openAISse, textStreamChunks } from './fixtures/openai.samples';
import { SseParser, type SseMessage } from './sse.parser';
import { OPENAI_DONE, encodeAnthropicEvent, encodeOpenAIChunk, encodeSse } from './sse.writer';

function parseWhole(input: string | Uint8Array): SseMessage[] {
  const parser = new SseParser();
  return [...parser.feed(input), ...parser.end()];
}

function parsePieces(pieces: (string | Uint8Array)[]): SseMessage[] {
  const parser = new SseParser();
  return [...pieces.flatMap((piece) => parser.feed(piece)), ...parser.end()];
}

describe('SseParser', () => {
  it('reads an Anthropic stream into named events with their JSON data', () => {
    const messages = parseWhole(toolUseStreamSse);
    expect(messages.map((message) => message.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array(13).fill('content_block_delta'),
      'content_block_stop',
      'content_block_start',
      ...Array(9).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const message of messages) expect(JSON.parse(message.data).type).toBe(message.event);
  });

  it('reads an OpenAI stream into unnamed data frames ending with [DONE]', () => {
    const messages = parseWhole(openAISse(textStreamChunks));
    expect(messages).toHaveLength(textStreamChunks.length + 1);
    expect(messages.slice(0, -1).map((message) => JSON.parse(message.data))).toEqual(textStreamChunks);
    expect(messages[messages.length - 1]).toEqual({ data: '[DONE]' });
    expect(messages.every((message) => message.event === undefined)).toBe(true);
  });

  it('yields the same events however the bytes are split, inside UTF-8 sequences and CRLF pairs included', () => {
    const bytes = new TextEncoder().encode(shortStreamSse);
    const expected = parseWhole(bytes);
    expect(expected).toHaveLength(6);
    expect(JSON.parse(expected[2].data).delta.text).toBe('São Paulo: 24 °C ☀️');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parsePieces([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
    }
    expect(parsePieces([...bytes].map((byte) => Uint8Array.of(byte)))).toEqual(expected);
  });

  it('yields the same events for every split of a string input, and byte by byte for a long stream', () => {
    const expected = parseWhole(shortStreamSse);
    for (let cut = 1; cut < shortStreamSse.length; cut++) {
      expect(parsePieces([shortStreamSse.slice(0, cut), shortStreamSse.slice(cut)])).toEqual(expected);
    }
    const bytes = new TextEncoder().encode(toolUseStreamSse);
    expect(parsePieces([...bytes].map((byte) => Uint8Array.of(byte)))).toEqual(parseWhole(toolUseStreamSse));
  });

  it.each([
    ['\\n', '\n'],
    ['\\r\\n', '\r\n'],
    ['\\r', '\r'],
  ])('accepts %s line ends', (_name, eol) => {
    const stream = `event: ping${eol}data: {"type":"ping"}${eol}${eol}data: a${eol}${eol}`;
    expect(parseWhole(stream)).toEqual([{ event: 'ping', data: '{"type":"ping"}' }, { data: 'a' }]);
    // A \r at the end of one chunk and its \n at the start of the next are one line end, not two.
    const cut = stream.indexOf(eol) + 1;
    expect(parsePieces([stream.slice(0, cut), '', stream.slice(cut)])).toEqual(parseWhole(stream));
  });

  it('joins data lines with \\n, and keeps an empty data line', () => {
    expect(parseWhole('data: first\ndata:second\ndata\ndata:  indented\n\n')).toEqual([{ data: 'first\nsecond\n\n indented' }]);
    expect(parseWhole('data:\n\n')).toEqual([{ data: '' }]);
  });

  it('skips comments, unknown fields, id and retry, and an event without data', () => {
    const stream = ': OPENROUTER PROCESSING\n\nid: 7\nretry: 1000\nfoo: bar\nevent: ping\n\nevent: message_stop\ndata: {}\n\n';
    expect(parseWhole(stream)).toEqual([{ event: 'message_stop', data: '{}' }]);
  });

  it('forgets the event name once its event is dispatched', () => {
    expect(parseWhole('event: error\ndata: 1\n\ndata: 2\n\n')).toEqual([{ event: 'error', data: '1' }, { data: '2' }]);
  });

  it('drops a leading byte-order mark', () => {
    expect(parseWhole('\ufeffdata: x\n\n')).toEqual([{ data: 'x' }]);
    expect(parseWhole(Uint8Array.of(0xef, 0xbb, 0xbf, ...new TextEncoder().encode('data: x\n\n')))).toEqual([{ data: 'x' }]);
  });

  it('discards an event the input ended in the middle of', () => {
    const parser = new SseParser();
    expect(parser.feed('data: {"type":"message_stop"}\n\ndata: {"type":"mess')).toEqual([{ data: '{"type":"message_stop"}' }]);
    expect(parser.end()).toEqual([]);
    expect(parseWhole('data: complete line, no blank line\n')).toEqual([]);
  });
});

describe('SSE writer', () => {
  it('writes what the parser reads back, multi-line data included', () => {
    const messages: SseMessage[] = [
      { event: 'message_delta', data: '{"a":1}' },
      { data: 'line one\nline two\r\nline three' },
      { data: '' },
    ];
    const written = messages.map(encodeSse).join('');
    expect(written).toBe('event: message_delta\ndata: {"a":1}\n\ndata: line one\ndata: line two\ndata: line three\n\ndata: \n\n');
    expect(parseWhole(written)).toEqual([messages[0], { data: 'line one\nline two\nline three' }, { data: '' }]);
  });

  it('refuses an event name with a line break, which would forge another field', () => {
    expect(() => encodeSse({ event: 'ping\ndata: x', data: '{}' })).toThrow(RangeError);
  });

  it('writes OpenAI chunks as data frames and Anthropic events under their type, as the providers do', () => {
    expect(textStreamChunks.map(encodeOpenAIChunk).join('') + OPENAI_DONE).toBe(openAISse(textStreamChunks));
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } as const;
    expect(encodeAnthropicEvent(error)).toBe(overloadedErrorSse);
  });
});
