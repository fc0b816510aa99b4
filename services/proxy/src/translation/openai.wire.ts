/**
 * The OpenAI Chat Completions wire format (`POST /v1/chat/completions`), as far as the translation reads and writes
 * it. Request types are loose where clients are (nulls for "not set", extra fields); response types are what the
 * translation emits.
 */

export interface OpenAITextPart {
  type: 'text';
  text: string;
}

export interface OpenAIImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export interface OpenAIRefusalPart {
  type: 'refusal';
  refusal: string;
}

/** `input_audio` and `file` parts exist too; the translation refuses them. */
export type OpenAIUserPart = OpenAITextPart | OpenAIImagePart;

export interface OpenAISystemMessage {
  role: 'system' | 'developer';
  content: string | OpenAITextPart[];
  name?: string;
}

export interface OpenAIUserMessage {
  role: 'user';
  content: string | OpenAIUserPart[];
  name?: string;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIAssistantMessage {
  role: 'assistant';
  content?: string | (OpenAITextPart | OpenAIRefusalPart)[] | null;
  refusal?: string | null;
  tool_calls?: OpenAIToolCall[];
  name?: string;
  audio?: { id: string } | null;
  function_call?: { name: string; arguments: string } | null;
}

export interface OpenAIToolMessage {
  role: 'tool';
  content: string | OpenAITextPart[];
  tool_call_id: string;
}

export type OpenAIMessage = OpenAISystemMessage | OpenAIUserMessage | OpenAIAssistantMessage | OpenAIToolMessage;

export interface OpenAIFunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export type OpenAIToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type OpenAIResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
    };

export type OpenAIReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIMessage[];
  max_completion_tokens?: number | null;
  /** Deprecated by OpenAI for `max_completion_tokens`, still sent by many clients. */
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  tools?: OpenAIFunctionTool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: OpenAIResponseFormat;
  reasoning_effort?: OpenAIReasoningEffort | null;
  user?: string;
  safety_identifier?: string;
  n?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  /** Whatever else a client sends: each one is refused or dropped by name, never passed through unread. */
  [field: string]: unknown;
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/**
 * `cache_write_tokens` is not OpenAI's: OpenAI-compatible gateways report prompt-cache writes under it, and the
 * platform's SDK reads it (`usageFromOpenAIChat`), so a translated Anthropic answer keeps its cache writes priced.
 */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; audio_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number } | null;
}

export interface OpenAIResponseMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: OpenAIToolCall[];
  annotations?: unknown[];
  audio?: unknown;
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: OpenAIResponseMessage; finish_reason: OpenAIFinishReason; logprobs: unknown }[];
  usage?: OpenAIUsage;
  system_fingerprint?: string | null;
  service_tier?: string | null;
}

export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface OpenAIChunkDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  tool_calls?: OpenAIToolCallDelta[];
}

export interface OpenAIChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: OpenAIChunkDelta; finish_reason: OpenAIFinishReason | null; logprobs?: unknown }[];
  /** With `stream_options.include_usage`: null on every chunk but the last, which has `choices: []`. */
  usage?: OpenAIUsage | null;
  system_fingerprint?: string | null;
}

/** The body of an error answer, and of an error sent inside a stream (`data: {"error": {...}}`). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
