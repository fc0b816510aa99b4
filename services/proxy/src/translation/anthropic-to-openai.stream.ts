import type { AnthropicDeltaUsage, AnthropicStreamEvent } from './anthropic.wire';
import { toOpenAIError } from './error.translation';
import type { OpenAIChatChunk, OpenAIChunkDelta, OpenAIErrorBody, OpenAIFinishReason } from './openai.wire';
import { toOpenAIFinishReason } from './response.translation';
import { mergeDeltaUsage, toOpenAIUsage } from './usage.translation';

export interface AnthropicToOpenAIStreamOptions {
  /** The model the client asked for, which every chunk names. */
  model: string;
  /** Default: the id of `message_start`. */
  id?: string;
  /** Unix seconds. Default: when the translator was made. */
  created?: number;
  /** The client set `stream_options.include_usage`: every chunk carries `usage: null`, and a last one the figures. */
  includeUsage: boolean;
}

type Block = { kind: 'text' } | { kind: 'tool'; index: number } | { kind: 'ignored' };

/**
 * Reads an Anthropic Messages stream, event by event, and says what an OpenAI chat completions stream would have
 * sent: a first chunk with the assistant role, a chunk per text delta, tool calls as OpenAI streams them (`index`,
 * `id` and `function.name` first, then `arguments` pieces), the chunk with `finish_reason`, and, when usage was asked
 * for, a last chunk with `choices: []` and the usage. The caller writes each item as `data:` and ends with
 * `data: [DONE]`. Thinking blocks are not forwarded: chat completions has no place for them.
 */
export class AnthropicToOpenAIStream {
  private id: string | undefined;
  private readonly created: number;
  private readonly blocks = new Map<number, Block>();
  private toolCalls = 0;
  private usage: AnthropicDeltaUsage = {};
  private finishReason: OpenAIFinishReason | undefined;

  constructor(private readonly options: AnthropicToOpenAIStreamOptions) {
    this.id = options.id;
    this.created = options.created ?? Math.floor(Date.now() / 1000);
  }

  push(event: AnthropicStreamEvent): (OpenAIChatChunk | OpenAIErrorBody)[] {
    switch (event.type) {
      case 'message_start':
        this.id ??= event.message.id;
        this.usage = event.message.usage ?? {};
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') {
          this.blocks.set(event.index, { kind: 'text' });
          return block.text ? [this.chunk({ content: block.text })] : [];
        }
        if (block.type === 'tool_use') {
          const index = this.toolCalls++;
          this.blocks.set(event.index, { kind: 'tool', index });
          // The input arrives as input_json_delta pieces; a start that already holds some sends it first.
          const input = block.input && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
          return [
            this.chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: input } }] }),
          ];
        }
        this.blocks.set(event.index, { kind: 'ignored' });
        return [];
      }
      case 'content_block_delta': {
        const block = this.blocks.get(event.index);
        const delta = event.delta;
        if (block?.kind === 'text' && delta.type === 'text_delta' && delta.text) return [this.chunk({ content: delta.text })];
        if (block?.kind === 'tool' && delta.type === 'input_json_delta' && delta.partial_json) {
          return [this.chunk({ tool_calls: [{ index: block.index, function: { arguments: delta.partial_json } }] })];
        }
        return [];
      }
      case 'message_delta':
        this.usage = mergeDeltaUsage(this.usage, event.usage);
        if (event.delta?.stop_reason == null) return [];
        return [this.finish(toOpenAIFinishReason(event.delta.stop_reason))];
      case 'message_stop': {
        // A stream that never said why it stopped still ends with a finish_reason, as every OpenAI stream does.
        const items: OpenAIChatChunk[] = this.finishReason === undefined ? [this.finish('stop')] : [];
        if (this.options.includeUsage) items.push({ ...this.base(), choices: [], usage: toOpenAIUsage(this.usage) });
        return items;
      }
      case 'error':
        return [toOpenAIError(event)];
      case 'content_block_stop':
      case 'ping':
        return [];
      default: {
        // Anthropic may add event types within an API version; clients are told to ignore the ones they do not know.
        const _newer: never = event;
        return [];
      }
    }
  }

  private finish(reason: OpenAIFinishReason): OpenAIChatChunk {
    this.finishReason = reason;
    return this.chunk({}, reason);
  }

  private chunk(delta: OpenAIChunkDelta, finishReason: OpenAIFinishReason | null = null): OpenAIChatChunk {
    return {
      ...this.base(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.options.includeUsage ? { usage: null } : {}),
    };
  }

  private base() {
    return { id: this.id ?? '', object: 'chat.completion.chunk' as const, created: this.created, model: this.options.model };
  }
}
