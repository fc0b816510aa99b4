import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startServer, type SseEvent, type TestServer } from './http-server';

/**
 * Speaks the Anthropic Messages wire format: a JSON Message, or named SSE events (`message_start`,
 * `content_block_start`, `ping`, `content_block_delta`, `content_block_stop`, `message_delta`,
 * `message_stop`), and `{"type":"error","error":{...}}` bodies, before or in the middle of a stream.
 */
export interface FakeAnthropic extends TestServer {
  /** The next request gets this error answer instead. */
  failNext(failure: { status: number; type: string; message: string }): void;
  /** The next stream sends an `error` event right after `message_start`. */
  breakNextStream(type: string, message: string): void;
}

export const MESSAGE_MODEL = 'claude-haiku-4-5-20251001';

/** What the next answer says instead of the constants: the model and Anthropic's usage object. The demo varies them. */
export type AnthropicAnswer = (body: Record<string, unknown>) => { model?: string; usage?: typeof MESSAGE_USAGE };

/** As Anthropic reports it: `input_tokens` excludes the cache reads and writes. */
export const MESSAGE_USAGE = {
  input_tokens: 12,
  cache_creation_input_tokens: 2_048,
  cache_read_input_tokens: 4_096,
  cache_creation: { ephemeral_5m_input_tokens: 2_048, ephemeral_1h_input_tokens: 0 },
  output_tokens: 40,
  service_tier: 'standard',
};

const TEXT = ['Hello', '! How can', ' I help?'];

export async function startFakeAnthropic(options: { answer?: AnthropicAnswer } = {}): Promise<FakeAnthropic> {
  const failures: Parameters<FakeAnthropic['failNext']>[0][] = [];
  const streamBreaks: { type: string; message: string }[] = [];
  let sequence = 0;
  const server = await startServer(async (request, response, self) => {
    const requestId = `req_011CS${++sequence}`;
    const failure = failures.shift();
    if (failure) {
      sendJson(response, failure.status, errorBody(failure.type, failure.message, requestId), { 'request-id': requestId });
      return;
    }
    if (request.url.split('?')[0] !== '/v1/messages') {
      sendJson(response, 404, errorBody('not_found_error', `Unknown path ${request.url}`, requestId));
      return;
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { model = MESSAGE_MODEL, usage = MESSAGE_USAGE } = options.answer?.(body) ?? {};
    if (body.stream === true) return stream(response, self, requestId, streamBreaks.shift(), model, usage);
    sendJson(response, 200, message(model, usage), { 'request-id': requestId });
  });
  return {
    ...server,
    failNext: (failure) => failures.push(failure),
    breakNextStream: (type, message) => streamBreaks.push({ type, message }),
  };
}

function message(model: string, usage: typeof MESSAGE_USAGE) {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: TEXT.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
  };
}

async function stream(
  response: ServerResponse,
  server: TestServer,
  requestId: string,
  breakWith: { type: string; message: string } | undefined,
  model: string,
  usage: typeof MESSAGE_USAGE,
) {
  const start = {
    ...message(model, usage),
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...usage, output_tokens: 1 },
  };
  const events: Record<string, unknown>[] = [{ type: 'message_start', message: start }];
  if (breakWith) {
    events.push({ type: 'error', error: { type: breakWith.type, message: breakWith.message } });
  } else {
    events.push(
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      ...TEXT.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        // Cumulative counts for the whole message, as the API sends them.
        usage: {
          input_tokens: usage.input_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          output_tokens: usage.output_tokens,
        },
      },
      { type: 'message_stop' },
    );
  }
  const frames: SseEvent[] = events.map((event) => ({ event: event.type as string, data: JSON.stringify(event) }));
  await sendSse(response, server, frames, { 'request-id': requestId });
}

function errorBody(type: string, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}
