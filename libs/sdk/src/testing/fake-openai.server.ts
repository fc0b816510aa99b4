import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startServer, type SseEvent, type TestServer } from './http-server';

/**
 * Speaks the OpenAI wire format for chat completions, responses and embeddings: JSON bodies, and SSE
 * streams the way the API sends them (chat: `data:` frames, a usage-only chunk with `choices: []` when
 * `stream_options.include_usage` is set, then `data: [DONE]`; responses: named `event:` frames ending
 * with `response.completed`).
 */
export interface FakeOpenAI extends TestServer {
  /** What to pass the `openai` client as `baseURL`. */
  baseURL: string;
  /** The next request gets this error answer instead. */
  failNext(failure: OpenAIFailure): void;
}

/**
 * What the next answer says instead of the constants below: the model and the usage object (in the wire format of
 * the operation). The demo varies them; tests use the constants.
 */
export type OpenAIAnswer = (request: { operation: 'chat' | 'responses' | 'embeddings'; body: Record<string, unknown> }) => {
  model?: string;
  usage?: Record<string, unknown>;
};

export interface OpenAIFailure {
  status: number;
  type: string;
  message: string;
  code?: string;
  headers?: Record<string, string>;
}

export const CHAT_MODEL = 'gpt-4o-mini-2024-07-18';
export const RESPONSES_MODEL = 'gpt-4.1-2025-04-14';
export const EMBEDDING_MODEL = 'text-embedding-3-small';

export const CHAT_USAGE = {
  prompt_tokens: 1_200,
  completion_tokens: 80,
  total_tokens: 1_280,
  prompt_tokens_details: { cached_tokens: 1_024, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 32,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

export const RESPONSES_USAGE = {
  input_tokens: 900,
  input_tokens_details: { cached_tokens: 512 },
  output_tokens: 150,
  output_tokens_details: { reasoning_tokens: 64 },
  total_tokens: 1_050,
};

export const EMBEDDING_USAGE = { prompt_tokens: 8, total_tokens: 8 };

const CREATED = 1_741_569_952;
const TEXT = ['Hello', '! How', ' can I', ' help?'];

export async function startFakeOpenAI(options: { answer?: OpenAIAnswer } = {}): Promise<FakeOpenAI> {
  const answer: OpenAIAnswer = options.answer ?? (() => ({}));
  const failures: OpenAIFailure[] = [];
  let sequence = 0;
  const server = await startServer(async (request, response, self) => {
    const requestId = `req_${++sequence}`;
    const failure = failures.shift();
    if (failure) {
      sendJson(
        response,
        failure.status,
        { error: { message: failure.message, type: failure.type, param: null, code: failure.code ?? null } },
        { 'x-request-id': requestId, ...failure.headers },
      );
      return;
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    switch (request.url) {
      case '/v1/chat/completions':
        return chatCompletion(body, response, self, requestId, answer({ operation: 'chat', body }));
      case '/v1/responses':
        return createResponse(body, response, self, requestId, answer({ operation: 'responses', body }));
      case '/v1/embeddings':
        return embeddings(body, response, requestId, answer({ operation: 'embeddings', body }));
      default:
        sendJson(response, 404, {
          error: { message: `Unknown path ${request.url}`, type: 'invalid_request_error', param: null, code: null },
        });
    }
  });
  return { ...server, baseURL: `${server.url}/v1`, failNext: (failure) => failures.push(failure) };
}

async function chatCompletion(
  body: Record<string, unknown>,
  response: ServerResponse,
  server: TestServer,
  requestId: string,
  { model = CHAT_MODEL, usage = CHAT_USAGE }: ReturnType<OpenAIAnswer>,
) {
  const id = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
  const base = {
    id,
    object: 'chat.completion',
    created: CREATED,
    model,
    service_tier: 'default',
    system_fingerprint: 'fp_06737a9306',
  };
  if (body.stream !== true) {
    sendJson(
      response,
      200,
      {
        ...base,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: TEXT.join(''), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage,
      },
      { 'x-request-id': requestId },
    );
    return;
  }
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const chunk = { ...base, object: 'chat.completion.chunk' };
  // With include_usage, every chunk carries `usage: null` and one more chunk carries the figures.
  const usageField = includeUsage ? { usage: null } : {};
  const frame = (choices: unknown[], obfuscation: string): SseEvent => ({
    data: JSON.stringify({ ...chunk, choices, ...usageField, obfuscation }),
  });
  const choice = (delta: Record<string, unknown>, finish_reason: string | null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason,
  });
  const frames: SseEvent[] = [
    frame([choice({ role: 'assistant', content: '', refusal: null }, null)], 'x7Q'),
    ...TEXT.map((text) => frame([choice({ content: text }, null)], 'pL')),
    frame([choice({}, 'stop')], 'Zk2'),
  ];
  if (includeUsage) {
    frames.push({ data: JSON.stringify({ ...chunk, choices: [], usage, obfuscation: 'a' }) });
  }
  frames.push({ data: '[DONE]' });
  await sendSse(response, server, frames, { 'x-request-id': requestId });
}

async function createResponse(
  body: Record<string, unknown>,
  response: ServerResponse,
  server: TestServer,
  requestId: string,
  { model = RESPONSES_MODEL, usage = RESPONSES_USAGE }: ReturnType<OpenAIAnswer>,
) {
  const text = TEXT.join('');
  const message = { id: 'msg_67ccd3acc8d48190a77525dc6de64b4104becb25c7d53a45', type: 'message', role: 'assistant' };
  const part = { type: 'output_text', annotations: [], logprobs: [] };
  const skeleton = {
    id: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c7d53a45',
    object: 'response',
    created_at: CREATED,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    user: null,
    metadata: {},
  };
  const completed = {
    ...skeleton,
    status: 'completed',
    output: [{ ...message, status: 'completed', content: [{ ...part, text }] }],
    usage,
  };
  if (body.stream !== true) {
    sendJson(response, 200, completed, { 'x-request-id': requestId });
    return;
  }
  const inProgress = { ...skeleton, status: 'in_progress', output: [], usage: null };
  const item = { item_id: message.id, output_index: 0, content_index: 0 };
  const events: Record<string, unknown>[] = [
    { type: 'response.created', response: inProgress },
    { type: 'response.in_progress', response: inProgress },
    { type: 'response.output_item.added', output_index: 0, item: { ...message, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', ...item, part: { ...part, text: '' } },
    ...TEXT.map((delta) => ({ type: 'response.output_text.delta', ...item, delta, logprobs: [] })),
    { type: 'response.output_text.done', ...item, text, logprobs: [] },
    { type: 'response.content_part.done', ...item, part: { ...part, text } },
    { type: 'response.output_item.done', output_index: 0, item: completed.output[0] },
    { type: 'response.completed', response: completed },
  ];
  await sendSse(
    response,
    server,
    events.map((event, sequence_number) => ({ event: event.type as string, data: JSON.stringify({ ...event, sequence_number }) })),
    { 'x-request-id': requestId },
  );
}

function embeddings(
  body: Record<string, unknown>,
  response: ServerResponse,
  requestId: string,
  { model = EMBEDDING_MODEL, usage = EMBEDDING_USAGE }: ReturnType<OpenAIAnswer>,
) {
  const vector = [0.0023064255, -0.009327292, -0.0028842222];
  // The client asks for base64 unless told otherwise, and decodes little-endian float32s.
  const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
  sendJson(
    response,
    200,
    {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding }],
      model,
      usage,
    },
    { 'x-request-id': requestId },
  );
}
