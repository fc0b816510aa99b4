import type { IncomingHttpHeaders } from 'node:http';
import { providerErrorBody, proxyProvider, type ProxyProvider, type RouteTarget } from '@llmlab/contracts';
import {
  AnthropicToOpenAIStream,
  OPENAI_DONE,
  OpenAIToAnthropicStream,
  SseParser,
  encodeAnthropicEvent,
  encodeOpenAIChunk,
  toAnthropicError,
  toAnthropicMessage,
  toAnthropicMessagesRequest,
  toOpenAIChatCompletion,
  toOpenAIChatRequest,
  toOpenAIError,
  type AnthropicErrorBody,
  type AnthropicMessage,
  type AnthropicMessagesRequest,
  type AnthropicStreamEvent,
  type OpenAIChatChunk,
  type OpenAIChatCompletion,
  type OpenAIChatRequest,
  type OpenAIErrorBody,
  type SseMessage,
  type Translation,
} from '../translation';
import { providerKeyHeader } from './call-headers';
import type { WireFormat } from './usage-reader';

/** The `anthropic-version` of a translated request: the one the Anthropic SDK sends (no temperature, no top_p). */
export const ANTHROPIC_VERSION = '2026-10-21';

/** The one operation that translates, by format: its path after the proxy's prefix. */
const CHAT_PATH: Readonly<Record<WireFormat, string>> = { openai: 'chat/completions', anthropic: 'v1/messages' };

/** A translated answer is read whole (a JSON document cannot be translated piece by piece): a chat answer is far smaller. */
const MAX_ANSWER_BYTES = 16 << 20;

const CUT_SHORT = 'the upstream stream ended before the answer was complete';

/** A request for a target of the other format, or why it is not sent there. */
export type TargetRequest = { ok: true; path: string; body: Buffer; dropped: string[] } | { ok: false; reason: string };

/**
 * The caller's request (as the proxy forwards it) in the target's format, for its chat path. Only text chat
 * translates (chat completions ⇄ messages); any other operation, or a request the translation refuses, is not sent.
 */
export function toTargetRequest(
  caller: WireFormat,
  path: string,
  body: Record<string, unknown>,
  target: RouteTarget,
  /** `max_tokens` for an OpenAI request that names no limit: Anthropic requires one. */
  defaultMaxTokens: number,
): TargetRequest {
  if (path !== CHAT_PATH[caller]) {
    return { ok: false, reason: `only chat (${CHAT_PATH[caller]}) translates to ${target.provider}, not ${path}` };
  }
  const translated: Translation<object> =
    caller === 'openai'
      ? toAnthropicMessagesRequest(body as unknown as OpenAIChatRequest, {
          model: target.model,
          defaultMaxTokens,
          anthropicVersion: ANTHROPIC_VERSION,
        })
      : toOpenAIChatRequest(body as unknown as AnthropicMessagesRequest, { model: target.model });
  if (!translated.ok) return { ok: false, reason: `${translated.field}: ${translated.reason}` };
  return {
    ok: true,
    path: CHAT_PATH[proxyProvider(target.provider).format],
    body: Buffer.from(JSON.stringify(translated.body)),
    dropped: translated.dropped,
  };
}

/**
 * The headers of a translated request: JSON, the project's stored key where its provider reads it and, for
 * Anthropic, the API version. Nothing of the caller's: its headers (`openai-*`, `anthropic-*`, its SDK's) are for
 * its own provider.
 */
export function targetHeaders(provider: ProxyProvider, key: string): Record<string, string> {
  const { format, keyHeader } = proxyProvider(provider);
  return {
    'content-type': 'application/json',
    'accept-encoding': 'identity',
    ...(keyHeader ? { [keyHeader]: key } : providerKeyHeader(format, key)),
    ...(format === 'anthropic' ? { 'anthropic-version': ANTHROPIC_VERSION } : {}),
  };
}

/** A target's answer in the caller's format. */
export interface CallerAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Uint8Array>;
}

/**
 * A target's answer as the caller's format has it: a stream translated frame by frame as it arrives (pulled as the
 * caller reads, so backpressure holds), a JSON answer or an error body once it is whole. The answer names the model
 * the upstream says answered (else the target's), so the caller's usage reader records it. An answer that does not
 * translate is a 502 in the caller's format. Throws when the body cannot be read (the caller went away, the provider
 * cut it short).
 */
export async function toCallerAnswer(
  response: Response,
  caller: WireFormat,
  target: RouteTarget,
  /** The request as the caller's format has it: whether a stream to an OpenAI caller ends with a usage chunk. */
  request: Record<string, unknown>,
): Promise<CallerAnswer> {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of response.headers) if (name !== 'content-type' && name !== 'content-length') headers[name] = value;
  const isStream = /text\/event-stream/i.test(response.headers.get('content-type') ?? '');
  if (response.status < 400 && isStream && response.body) {
    const includeUsage = (request.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const frames = caller === 'openai' ? toOpenAIFrames(target.model, includeUsage) : toAnthropicFrames(target.model);
    return {
      status: response.status,
      headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8' },
      body: translated(response.body, frames),
    };
  }
  const json = (status: number, document: object): CallerAnswer => ({
    status,
    headers: { ...headers, 'content-type': 'application/json' },
    body: once(Buffer.from(JSON.stringify(document))),
  });
  const text = await readText(response.body);
  const document = text === undefined ? undefined : parseJson(text);
  if (response.status >= 400) return json(response.status, errorBody(caller, document, response.status));
  const answer = document === undefined ? undefined : answerBody(caller, document, target.model);
  if (answer?.ok) return json(response.status, answer.body);
  const why = answer ? `${answer.field}: ${answer.reason}` : text === undefined ? 'it is too large' : 'it is not JSON';
  return json(
    502,
    providerErrorBody(caller, 'upstream_unreachable', `the answer of ${target.provider} ${target.model} does not translate: ${why}`),
  );
}

function answerBody(caller: WireFormat, document: unknown, fallbackModel: string): Translation<object> {
  const model = modelOf(document) ?? fallbackModel;
  return caller === 'openai'
    ? toOpenAIChatCompletion(document as AnthropicMessage, { model })
    : toAnthropicMessage(document as OpenAIChatCompletion, { model });
}

/** The provider's error in the caller's error body, so that the caller's SDK raises it; a body it cannot read, by status. */
function errorBody(caller: WireFormat, document: unknown, status: number): object {
  const error = (document as { error?: { message?: unknown } } | undefined)?.error;
  const readable = typeof error === 'object' && error !== null && typeof error.message === 'string';
  const message = `the provider answered ${status}`;
  if (caller === 'openai') {
    return toOpenAIError(readable ? (document as AnthropicErrorBody) : { type: 'error', error: { type: 'api_error', message } });
  }
  return toAnthropicError(readable ? (document as OpenAIErrorBody) : { error: { message, type: '', param: null, code: null } }, status);
}

/** Reads an upstream stream's frames and says what the caller's format sends instead. */
interface FrameTranslator {
  frame(message: SseMessage): string[];
  /** The upstream stream ended: the last frames, and whether it had finished (else it was cut short). */
  end(): { frames: string[]; finished: boolean };
}

/** An Anthropic stream for an OpenAI caller: `data: [DONE]` once `message_stop` came. */
function toOpenAIFrames(fallbackModel: string, includeUsage: boolean): FrameTranslator {
  let stream: AnthropicToOpenAIStream | undefined;
  let ended: 'stopped' | 'failed' | undefined;
  return {
    frame({ data }) {
      const event = parseJson(data) as AnthropicStreamEvent | undefined;
      if (typeof event?.type !== 'string') return [];
      stream ??= new AnthropicToOpenAIStream({
        model: (event.type === 'message_start' ? modelOf(event.message) : undefined) ?? fallbackModel,
        includeUsage,
      });
      if (event.type === 'message_stop') ended = 'stopped';
      // The upstream's error event ends its stream: relayed as an error chunk, the end the caller's SDK raises.
      if (event.type === 'error') ended = 'failed';
      return stream.push(event).map(encodeOpenAIChunk);
    },
    end() {
      if (ended) return { frames: ended === 'stopped' ? [OPENAI_DONE] : [], finished: true };
      const cut = toOpenAIError({ type: 'error', error: { type: 'api_error', message: CUT_SHORT } });
      return { frames: [encodeOpenAIChunk(cut)], finished: false };
    },
  };
}

/** An OpenAI chat stream for an Anthropic caller: the message ends at `data: [DONE]`, or with an error chunk. */
function toAnthropicFrames(fallbackModel: string): FrameTranslator {
  let stream: OpenAIToAnthropicStream | undefined;
  let finished = false;
  const events = (list: AnthropicStreamEvent[]) => list.map(encodeAnthropicEvent);
  return {
    frame({ data }) {
      if (data === '[DONE]') {
        finished = stream !== undefined;
        return events(stream?.end() ?? []);
      }
      const chunk = parseJson(data) as OpenAIChatChunk | OpenAIErrorBody | undefined;
      if (typeof chunk !== 'object' || chunk === null) return [];
      if ('error' in chunk) finished = true;
      stream ??= new OpenAIToAnthropicStream({ model: modelOf(chunk) ?? fallbackModel });
      return events(stream.push(chunk));
    },
    end() {
      // Never finished: an error event ends it (the translator's own), never a whole-looking message.
      if (!stream) return { frames: events([{ type: 'error', error: { type: 'api_error', message: CUT_SHORT } }]), finished: false };
      return { frames: events(stream.end()), finished };
    },
  };
}

/** The upstream's SSE bytes, frame by frame, as the caller's format; a stream cut short throws after its last frames. */
async function* translated(body: ReadableStream<Uint8Array>, translator: FrameTranslator): AsyncGenerator<Uint8Array> {
  const parser = new SseParser();
  for await (const chunk of body) {
    const frames = parser.feed(chunk).flatMap((message) => translator.frame(message));
    if (frames.length > 0) yield Buffer.from(frames.join(''));
  }
  const tail = [...parser.end().flatMap((message) => translator.frame(message))];
  const { frames, finished } = translator.end();
  tail.push(...frames);
  if (tail.length > 0) yield Buffer.from(tail.join(''));
  if (!finished) throw new Error('the provider cut its answer short');
}

async function* once(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield chunk;
}

/** The whole body as text, or undefined past `MAX_ANSWER_BYTES`. */
async function readText(body: ReadableStream<Uint8Array> | null): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body ?? []) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function modelOf(value: unknown): string | undefined {
  const model = (value as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' && model !== '' ? model : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
