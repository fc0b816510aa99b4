import type { TokenUsage } from '../usage-event';

export interface InstrumentOptions {
  /** Provider name on the events; set it for OpenAI-compatible backends (Azure, Groq, vLLM, ...). */
  provider?: string;
  /** Tags on every call of this client; `withContext` tags override them key by key. */
  tags?: Record<string, string>;
  /** End user of every call of this client, when neither `withContext` nor the request names one. */
  userId?: string;
  metadata?: Record<string, unknown>;
  /**
   * For OpenAI chat completion streams that do not ask for usage, the SDK adds
   * `stream_options.include_usage` and keeps the resulting usage-only chunk from the caller. Set false for
   * a backend that rejects `stream_options`; such streams are then recorded without token counts.
   * Default true.
   */
  injectStreamUsage?: boolean;
}

/**
 * The stable start of a prompt: what prompt caching could serve from the cache on every call. Providers cache the
 * exact token prefix of a request, and the part of it that repeats across calls is the tool definitions and the
 * system (or developer) instructions; the conversation after them varies.
 */
export interface PrefixParts {
  tools: readonly unknown[];
  instructions: readonly unknown[];
}

/** What a provider response says about the call. */
export interface Outcome {
  /** The model that answered, often more precise than the one asked for (`gpt-4o` → `gpt-4o-2024-08-06`). */
  model?: string;
  usage?: TokenUsage;
  /** Set when the HTTP call succeeded but the provider reports the generation failed; the error type. */
  failure?: string;
}

/** Reads a streamed call's items as they go by. */
export interface StreamCollector {
  observe(item: unknown): void;
  /** True for an item the SDK caused and the caller did not ask for. */
  hides(item: unknown): boolean;
  outcome(): Outcome;
}

export interface PreparedRequest {
  params: Record<string, unknown>;
  /** The SDK added `stream_options.include_usage`, so the usage-only chunk is not the caller's to see. */
  hideUsageChunk: boolean;
}

/** One `create` method of a provider client, and how to read what it returns. */
export interface OperationSpec {
  readonly provider: string;
  readonly operation: string;
  /** Where the resource holding `create` sits on the client. */
  readonly path: readonly string[];
  prepare?(params: Record<string, unknown>, options: InstrumentOptions): PreparedRequest;
  /** The request's tool definitions and leading instructions, for its prompt-prefix fingerprint. */
  prefixParts?(params: Record<string, unknown>): PrefixParts;
  /** The end user the caller already names in the provider's own parameters. */
  requestUserId?(params: Record<string, unknown>): string | undefined;
  readResult(result: unknown): Outcome;
  collectStream?(hideUsageChunk: boolean): StreamCollector;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
