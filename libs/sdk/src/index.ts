export { LLMLab, MAX_BATCH_SIZE, type LLMLabOptions, type LLMLabStats, type LLMLabSpanStats } from './llmlab.client';
export { LLMLabError, type LLMLabErrorCode, type LLMLabErrorDetails } from './errors';
export { withContext, type LLMLabContext } from './context';
export type { InstrumentOptions } from './instrument/operation';
export {
  usageFromOpenAIChat,
  usageFromOpenAIResponses,
  type OpenAIChatUsageWire,
  type OpenAIResponsesUsageWire,
} from './instrument/openai.operations';
export { usageFromAnthropic, type AnthropicUsageWire } from './instrument/anthropic.operations';
export { uuidv7, type Cost, type TokenUsage, type UsageEvent, type UsageEventInput, type UsageStatus } from './usage-event';
export {
  FetchUsageTransport,
  type FetchUsageTransportOptions,
  type UsageBatch,
  type UsageTransport,
  type UsageTransportResponse,
} from './usage.transport';
export { SDK_VERSION } from './version';
export { span, traced, type SpanOptions, type TraceOptions } from './tracing/tracer';
export type { SpanAttribute, TracedSpanCategory } from './tracing/active-span';
export { FetchSpanTransport, type SpanTransport, type SpanTransportResponse } from './tracing/span.exporter';
export type { OtlpTraceRequest, OtlpSpan, OtlpKeyValue, OtlpAnyValue } from './tracing/otlp.encoding';
export {
  createApiClient,
  type ApiClient,
  type ApiClientOptions,
  type ApiComponents,
  type ApiOperations,
  type ApiPaths,
  type ApiSchemas,
} from './api-client';
