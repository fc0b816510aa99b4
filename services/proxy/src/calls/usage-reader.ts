import type { AnthropicDeltaUsage } from '../translation/anthropic.wire';
import { mergeDeltaUsage } from '../translation/usage.translation';
import { usageFromAnthropic, usageFromOpenAIChat, usageFromOpenAIResponses, type AnthropicUsageWire, type TokenUsage } from '@llmlab/sdk';

import type { ProxyWireFormat as WireFormat } from '@llmlab/contracts';
import type { SseMessage } from '../translation/sse.parser';

export type { WireFormat };

/** What a provider's answer says about the call. */
export interface CallOutcome {
  /** The model that answered, often more precise than the one asked for. */
  model?: string;
  usage?: TokenUsage;
}

/**
 * Reads a call's model and usage off the provider's answer as it goes by: the JSON document of a plain answer, or
 * each event of a stream (already parsed from its SSE frame). `hides` names the event the proxy caused and the caller
 * did not ask for (the usage-only chunk of an OpenAI chat stream after the proxy asked for usage).
 */
export interface UsageReader {
  readonly operation: string;
  /** True once `prepare` made the proxy ask for something the caller must not see: the stream is then re-framed. */
  readonly reframes: boolean;
  /** The request as forwarded: the proxy may ask for usage in the stream. */
  prepare(body: Record<string, unknown>): Record<string, unknown>;
  json(document: unknown): void;
  event(data: unknown, name?: string): void;
  hides(data: unknown): boolean;
  /**
   * Whether a stream's frame is its last: what tells the caller the answer is complete (the proxy holds it, and what
   * follows, until the call's usage is on its spool).
   */
  ends(frame: SseMessage): boolean;
  outcome(): CallOutcome;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

class OpenAIChatReader implements UsageReader {
  readonly operation = 'chat.completions';
  private state: CallOutcome = {};
  private injected = false;

  get reframes(): boolean {
    return this.injected;
  }

  prepare(body: Record<string, unknown>): Record<string, unknown> {
    if (body.stream !== true || record(body.stream_options)?.include_usage === true) return body;
    this.injected = true;
    return { ...body, stream_options: { ...record(body.stream_options), include_usage: true } };
  }

  json(document: unknown): void {
    const d = record(document);
    this.state = { model: text(d?.model), usage: record(d?.usage) ? usageFromOpenAIChat(d!.usage as object) : undefined };
  }

  event(data: unknown): void {
    const chunk = record(data);
    this.state.model ??= text(chunk?.model);
    if (record(chunk?.usage)) this.state.usage = usageFromOpenAIChat(chunk!.usage as object);
  }

  hides(data: unknown): boolean {
    const chunk = record(data);
    return this.injected && Array.isArray(chunk?.choices) && chunk.choices.length === 0 && record(chunk?.usage) !== undefined;
  }

  ends(frame: SseMessage): boolean {
    return frame.data === '[DONE]';
  }

  outcome(): CallOutcome {
    return this.state;
  }
}

class OpenAIResponsesReader implements UsageReader {
  readonly operation = 'responses';
  readonly reframes = false;
  private state: CallOutcome = {};

  prepare(body: Record<string, unknown>) {
    return body;
  }

  json(document: unknown): void {
    this.read(record(document));
  }

  /** `response.completed`, `response.incomplete` and `response.failed` carry the whole response with its usage. */
  event(data: unknown): void {
    const response = record(record(data)?.response);
    if (response) this.read(response);
  }

  hides() {
    return false;
  }

  /** The response's last event, however it ended. */
  ends(frame: SseMessage): boolean {
    return frame.event === 'response.completed' || frame.event === 'response.incomplete' || frame.event === 'response.failed';
  }

  outcome(): CallOutcome {
    return this.state;
  }

  private read(response: Record<string, unknown> | undefined) {
    this.state.model = text(response?.model) ?? this.state.model;
    if (record(response?.usage)) this.state.usage = usageFromOpenAIResponses(response!.usage as object);
  }
}

class OpenAIEmbeddingsReader implements UsageReader {
  readonly operation = 'embeddings';
  readonly reframes = false;
  private state: CallOutcome = {};

  prepare(body: Record<string, unknown>) {
    return body;
  }

  json(document: unknown): void {
    const d = record(document);
    const usage = record(d?.usage);
    this.state = {
      model: text(d?.model),
      usage: usage ? usageFromOpenAIChat({ prompt_tokens: usage.prompt_tokens as number, completion_tokens: 0 }) : undefined,
    };
  }

  event(): void {}

  hides() {
    return false;
  }

  /** Embeddings are never streamed. */
  ends(): boolean {
    return false;
  }

  outcome(): CallOutcome {
    return this.state;
  }
}

class AnthropicMessagesReader implements UsageReader {
  readonly operation = 'messages';
  readonly reframes = false;
  private model?: string;
  private usage?: AnthropicUsageWire;

  prepare(body: Record<string, unknown>) {
    return body;
  }

  json(document: unknown): void {
    const d = record(document);
    this.model = text(d?.model);
    this.usage = record(d?.usage) as AnthropicUsageWire | undefined;
  }

  /** `message_start` holds the input counts; each `message_delta` the cumulative output (and may restate the rest). */
  event(data: unknown): void {
    const e = record(data);
    if (e?.type === 'message_start') this.json(e.message);
    if (e?.type === 'message_delta' && record(e.usage)) {
      this.usage = mergeDeltaUsage(this.usage ?? {}, e.usage as AnthropicDeltaUsage) as AnthropicUsageWire;
    }
  }

  hides() {
    return false;
  }

  /** `message_stop`, or an `error` event, which ends a stream that failed after it began. */
  ends(frame: SseMessage): boolean {
    return frame.event === 'message_stop' || frame.event === 'error';
  }

  outcome(): CallOutcome {
    return { model: this.model, usage: this.usage ? usageFromAnthropic(this.usage) : undefined };
  }
}

/**
 * The reader of a path of the proxy (after `/proxy/openai/v1/` or `/proxy/anthropic/`), or none for the paths
 * passed through without usage (model lists, files, token counting, which is free).
 */
export function usageReaderFor(format: WireFormat, path: string): UsageReader | undefined {
  if (format === 'openai') {
    if (path === 'chat/completions') return new OpenAIChatReader();
    if (path === 'responses') return new OpenAIResponsesReader();
    if (path === 'embeddings') return new OpenAIEmbeddingsReader();
    return undefined;
  }
  return path === 'v1/messages' ? new AnthropicMessagesReader() : undefined;
}
