import type { AnthropicStopReason, AnthropicStreamEvent } from './anthropic.wire';
import { toAnthropicError } from './error.translation';
import type { OpenAIChatChunk, OpenAIErrorBody, OpenAIUsage } from './openai.wire';
import { toAnthropicStopReason } from './response.translation';
import { toAnthropicUsage } from './usage.translation';

export interface OpenAIToAnthropicStreamOptions {
  /** The model the client asked for, which `message_start` names. */
  model: string;
  /** Default: the id of the first chunk. */
  id?: string;
}

type OpenBlock = { kind: 'text'; index: number } | { kind: 'tool'; index: number };

/**
 * Reads an OpenAI chat completions stream, chunk by chunk, and says what an Anthropic Messages stream would have
 * sent, in Anthropic's order: `message_start`, then per text or tool call a `content_block_start`, its deltas and its
 * `content_block_stop`, then `message_delta` (stop reason and usage) and `message_stop`.
 *
 * OpenAI reports usage in a last chunk after the one with `finish_reason` (the request must set
 * `stream_options.include_usage`, as `toOpenAIChatRequest` does), so the message ends once both have arrived, or at
 * `end()`. `message_start` cannot know the input tokens yet and says 0; `message_delta` carries every count, as
 * Anthropic's own cumulative `message_delta` does.
 */
export class OpenAIToAnthropicStream {
  private started = false;
  private finished = false;
  private blocks = 0;
  private open: OpenBlock | undefined;
  /** OpenAI tool call index → Anthropic block index. */
  private readonly tools = new Map<number, number>();
  private refused = false;
  private stopReason: AnthropicStopReason | undefined;
  private usage: OpenAIUsage | undefined;

  constructor(private readonly options: OpenAIToAnthropicStreamOptions) {}

  push(chunk: OpenAIChatChunk | OpenAIErrorBody): AnthropicStreamEvent[] {
    if (this.finished) return [];
    if ('error' in chunk) {
      this.finished = true;
      return [toAnthropicError(chunk)];
    }
    const events: AnthropicStreamEvent[] = [];
    if (!this.started) events.push(this.start(chunk.id));
    if (chunk.usage) this.usage = chunk.usage;
    // Only one choice is ever asked for (a request with n > 1 is refused).
    const choice = chunk.choices?.find((candidate) => candidate.index === 0);
    const delta = choice?.delta;
    if (delta?.content) this.text(delta.content, events);
    if (delta?.refusal) {
      this.refused = true;
      this.text(delta.refusal, events);
    }
    for (const call of delta?.tool_calls ?? []) {
      let index = this.tools.get(call.index);
      if (index === undefined) {
        this.close(events);
        index = this.blocks++;
        this.tools.set(call.index, index);
        this.open = { kind: 'tool', index };
        events.push({
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: call.id ?? '', name: call.function?.name ?? '', input: {} },
        });
      }
      // OpenAI finishes one call before the next; should a piece come for an earlier call, it still goes to its block.
      const args = call.function?.arguments;
      if (args) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } });
    }
    if (choice?.finish_reason) {
      this.close(events);
      this.stopReason = this.refused ? 'refusal' : toAnthropicStopReason(choice.finish_reason);
    }
    if (this.stopReason !== undefined && this.usage !== undefined) events.push(...this.stop());
    return events;
  }

  /**
   * The upstream stream ended (`data: [DONE]`, or the connection closed). Ends the message if it finished without a
   * usage chunk; if it never finished, the answer was cut short, and the client gets an error, not a whole-looking message.
   */
  end(): AnthropicStreamEvent[] {
    if (this.finished || !this.started) return [];
    if (this.stopReason === undefined) {
      this.finished = true;
      return [{ type: 'error', error: { type: 'api_error', message: 'the upstream stream ended before the answer was complete' } }];
    }
    return this.stop();
  }

  private start(chunkId: string): AnthropicStreamEvent {
    this.started = true;
    return {
      type: 'message_start',
      message: {
        id: this.options.id ?? chunkId,
        type: 'message',
        role: 'assistant',
        model: this.options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    };
  }

  private text(text: string, events: AnthropicStreamEvent[]) {
    if (this.open?.kind !== 'text') {
      this.close(events);
      this.open = { kind: 'text', index: this.blocks++ };
      events.push({ type: 'content_block_start', index: this.open.index, content_block: { type: 'text', text: '' } });
    }
    events.push({ type: 'content_block_delta', index: this.open.index, delta: { type: 'text_delta', text } });
  }

  private close(events: AnthropicStreamEvent[]) {
    if (this.open === undefined) return;
    events.push({ type: 'content_block_stop', index: this.open.index });
    this.open = undefined;
  }

  private stop(): AnthropicStreamEvent[] {
    this.finished = true;
    return [
      {
        type: 'message_delta',
        delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null },
        usage: toAnthropicUsage(this.usage),
      },
      { type: 'message_stop' },
    ];
  }
}
