import { normalizeUsage, type TokenUsage } from '../usage-event';
import { asRecord, asString, type OperationSpec, type Outcome } from './operation';
import { leadingInstructions, list } from './prompt-prefix';

type Count = number | null | undefined;

/** `CompletionUsage` of chat completions, as loosely as the wire may carry it. */
export interface OpenAIChatUsageWire {
  prompt_tokens?: Count;
  completion_tokens?: Count;
  prompt_tokens_details?: {
    cached_tokens?: Count;
    cache_write_tokens?: Count;
    audio_tokens?: Count;
    image_tokens?: Count;
  } | null;
  completion_tokens_details?: { reasoning_tokens?: Count; audio_tokens?: Count } | null;
}

/** `ResponseUsage` of the Responses API. */
export interface OpenAIResponsesUsageWire {
  input_tokens?: Count;
  output_tokens?: Count;
  input_tokens_details?: { cached_tokens?: Count; cache_write_tokens?: Count } | null;
  output_tokens_details?: { reasoning_tokens?: Count } | null;
}

/** OpenAI already counts the way the platform does: prompt and completion totals include the details. */
export function usageFromOpenAIChat(usage: OpenAIChatUsageWire): TokenUsage {
  const input = usage.prompt_tokens_details ?? undefined;
  const output = usage.completion_tokens_details ?? undefined;
  return normalizeUsage({
    inputTokens: num(usage.prompt_tokens),
    outputTokens: num(usage.completion_tokens),
    cachedInputTokens: num(input?.cached_tokens),
    cacheWriteTokens: num(input?.cache_write_tokens),
    reasoningTokens: num(output?.reasoning_tokens),
    audioInputTokens: num(input?.audio_tokens),
    audioOutputTokens: num(output?.audio_tokens),
    imageInputTokens: num(input?.image_tokens),
  });
}

export function usageFromOpenAIResponses(usage: OpenAIResponsesUsageWire): TokenUsage {
  return normalizeUsage({
    inputTokens: num(usage.input_tokens),
    outputTokens: num(usage.output_tokens),
    cachedInputTokens: num(usage.input_tokens_details?.cached_tokens),
    cacheWriteTokens: num(usage.input_tokens_details?.cache_write_tokens),
    reasoningTokens: num(usage.output_tokens_details?.reasoning_tokens),
  });
}

const chatCompletions: OperationSpec = {
  provider: 'openai',
  operation: 'chat.completions.create',
  path: ['chat', 'completions'],
  prepare(params, options) {
    const streamOptions = asRecord(params.stream_options);
    if (params.stream !== true || options.injectStreamUsage === false || streamOptions?.include_usage === true) {
      return { params, hideUsageChunk: false };
    }
    // A shallow copy: the caller's object is never mutated.
    return { params: { ...params, stream_options: { ...streamOptions, include_usage: true } }, hideUsageChunk: true };
  },
  prefixParts: (params) => ({
    tools: [...list(params.tools), ...list(params.functions)],
    instructions: leadingInstructions(params.messages),
  }),
  requestUserId: openAIUser,
  readResult(result) {
    const completion = asRecord(result);
    return { model: asString(completion?.model), usage: chatUsage(completion?.usage) };
  },
  collectStream(hideUsageChunk) {
    let model: string | undefined;
    let usage: TokenUsage | undefined;
    return {
      observe(item) {
        const chunk = asRecord(item);
        model = asString(chunk?.model) ?? model;
        usage = chatUsage(chunk?.usage) ?? usage;
      },
      hides(item) {
        const chunk = asRecord(item);
        return hideUsageChunk && Array.isArray(chunk?.choices) && chunk.choices.length === 0 && asRecord(chunk.usage) !== undefined;
      },
      outcome: () => ({ model, usage }),
    };
  },
};

const responses: OperationSpec = {
  provider: 'openai',
  operation: 'responses.create',
  path: ['responses'],
  prefixParts: (params) => ({
    tools: list(params.tools),
    instructions: [
      ...(params.instructions !== undefined ? [{ role: 'instructions', content: params.instructions }] : []),
      ...leadingInstructions(params.input),
    ],
  }),
  requestUserId: openAIUser,
  readResult: responseOutcome,
  collectStream() {
    let outcome: Outcome = {};
    return {
      observe(item) {
        const event = asRecord(item);
        const response = asRecord(event?.response);
        if (!response) return;
        const latest = responseOutcome(response);
        outcome = {
          model: latest.model ?? outcome.model,
          usage: latest.usage ?? outcome.usage,
          failure: latest.failure ?? outcome.failure,
        };
      },
      hides: () => false,
      outcome: () => outcome,
    };
  },
};

const embeddings: OperationSpec = {
  provider: 'openai',
  operation: 'embeddings.create',
  path: ['embeddings'],
  requestUserId: openAIUser,
  readResult(result) {
    const list = asRecord(result);
    const usage = asRecord(list?.usage);
    return {
      model: asString(list?.model),
      usage: usage && normalizeUsage({ inputTokens: num(usage.prompt_tokens) }),
    };
  },
};

export const openAIOperations: readonly OperationSpec[] = [chatCompletions, responses, embeddings];

function responseOutcome(result: unknown): Outcome {
  const response = asRecord(result);
  const usage = asRecord(response?.usage);
  return {
    model: asString(response?.model),
    usage: usage && usageFromOpenAIResponses(usage as OpenAIResponsesUsageWire),
    failure: response?.status === 'failed' ? (asString(asRecord(response.error)?.code) ?? 'response_failed') : undefined,
  };
}

function chatUsage(value: unknown): TokenUsage | undefined {
  const usage = asRecord(value);
  return usage && usageFromOpenAIChat(usage as OpenAIChatUsageWire);
}

/** `safety_identifier` replaced `user`; both name the caller's end user. */
function openAIUser(params: Record<string, unknown>): string | undefined {
  return asString(params.safety_identifier) ?? asString(params.user);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
