import { normalizeUsage, type TokenUsage } from '../usage-event';
import { asRecord, asString, type OperationSpec } from './operation';
import { list } from './prompt-prefix';

type Count = number | null | undefined;

/** `Usage` of a Message, and `MessageDeltaUsage` of a stream's `message_delta`. */
export interface AnthropicUsageWire {
  input_tokens?: Count;
  output_tokens?: Count;
  cache_creation_input_tokens?: Count;
  cache_read_input_tokens?: Count;
  output_tokens_details?: { thinking_tokens?: Count } | null;
}

/**
 * Anthropic's `input_tokens` leaves out the tokens read from and written to the cache, which the platform
 * counts as input: they are added back here, so that `inputTokens` is the whole prompt.
 */
export function usageFromAnthropic(usage: AnthropicUsageWire): TokenUsage {
  const read = usage.cache_read_input_tokens ?? 0;
  const written = usage.cache_creation_input_tokens ?? 0;
  return normalizeUsage({
    inputTokens: (usage.input_tokens ?? 0) + read + written,
    outputTokens: usage.output_tokens ?? 0,
    cachedInputTokens: read,
    cacheWriteTokens: written,
    reasoningTokens: usage.output_tokens_details?.thinking_tokens ?? 0,
  });
}

/** `message_delta` counts are cumulative: each one it carries replaces the figure from `message_start`. */
export function mergeAnthropicUsage(start: AnthropicUsageWire, delta: AnthropicUsageWire): AnthropicUsageWire {
  const merged: Record<string, unknown> = { ...start };
  for (const [key, value] of Object.entries(delta)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged as AnthropicUsageWire;
}

function messagesOperation(operation: string, path: readonly string[]): OperationSpec {
  return {
    provider: 'anthropic',
    operation,
    path,
    prefixParts: (params) => ({ tools: list(params.tools), instructions: params.system !== undefined ? [params.system] : [] }),
    requestUserId: (params) => asString(asRecord(params.metadata)?.user_id),
    readResult(result) {
      const message = asRecord(result);
      const usage = asRecord(message?.usage);
      return { model: asString(message?.model), usage: usage && usageFromAnthropic(usage as AnthropicUsageWire) };
    },
    collectStream() {
      let model: string | undefined;
      let usage: AnthropicUsageWire | undefined;
      return {
        observe(item) {
          const event = asRecord(item);
          if (event?.type === 'message_start') {
            const message = asRecord(event.message);
            model = asString(message?.model) ?? model;
            usage = asRecord(message?.usage) ?? usage;
          } else if (event?.type === 'message_delta') {
            const delta = asRecord(event.usage);
            if (delta) usage = mergeAnthropicUsage(usage ?? {}, delta);
          }
        },
        hides: () => false,
        outcome: () => ({ model, usage: usage && usageFromAnthropic(usage) }),
      };
    },
  };
}

export const anthropicOperations: readonly OperationSpec[] = [
  messagesOperation('messages.create', ['messages']),
  messagesOperation('beta.messages.create', ['beta', 'messages']),
];
