import type { AnthropicStreamEvent } from './anthropic.wire';
import type { OpenAIChatChunk, OpenAIErrorBody } from './openai.wire';
import type { SseMessage } from './sse.parser';

/** What ends an OpenAI chat completions stream; the caller writes it once the translated chunks are out. */
export const OPENAI_DONE = 'data: [DONE]\n\n';

/** One event as a `text/event-stream` frame; data with line breaks becomes several `data:` lines. */
export function encodeSse(message: SseMessage): string {
  if (message.event !== undefined && /[\r\n]/.test(message.event)) throw new RangeError('an SSE event name cannot hold a line break');
  const event = message.event !== undefined ? `event: ${message.event}\n` : '';
  const data = message.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `${event}${data}\n`;
}

/** OpenAI sends chunks (and a mid-stream error) as bare `data:` frames. */
export function encodeOpenAIChunk(chunk: OpenAIChatChunk | OpenAIErrorBody): string {
  return encodeSse({ data: JSON.stringify(chunk) });
}

/** Anthropic names every frame after the event's type. */
export function encodeAnthropicEvent(event: AnthropicStreamEvent): string {
  return encodeSse({ event: event.type, data: JSON.stringify(event) });
}
