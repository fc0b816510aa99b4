export type { Translation, Refused } from './translation.result';
export { toAnthropicMessagesRequest, type ToAnthropicRequestOptions } from './to-anthropic.request';
export { toOpenAIChatRequest, type ToOpenAIRequestOptions } from './to-openai.request';
export {
  toAnthropicMessage,
  toAnthropicStopReason,
  toOpenAIChatCompletion,
  toOpenAIFinishReason,
  type ToOpenAICompletionOptions,
} from './response.translation';
export { toAnthropicUsage, toOpenAIUsage } from './usage.translation';
export { toAnthropicError, toOpenAIError } from './error.translation';
export { SseParser, type SseMessage } from './sse.parser';
export { OPENAI_DONE, encodeAnthropicEvent, encodeOpenAIChunk, encodeSse } from './sse.writer';
export { AnthropicToOpenAIStream, type AnthropicToOpenAIStreamOptions } from './anthropic-to-openai.stream';
export { OpenAIToAnthropicStream, type OpenAIToAnthropicStreamOptions } from './openai-to-anthropic.stream';
export type * from './openai.wire';
export type * from './anthropic.wire';
