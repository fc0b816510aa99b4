import type { AnthropicDeltaUsage, AnthropicUsage } from './anthropic.wire';
import type { OpenAIUsage } from './openai.wire';

/**
 * The usage convention, both ways. OpenAI's `prompt_tokens` is the whole prompt, cache hits included; Anthropic's
 * `input_tokens` leaves out what was read from or written to the cache. So:
 *
 *   prompt_tokens               = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
 *   prompt_tokens_details.cached_tokens      = cache_read_input_tokens
 *   prompt_tokens_details.cache_write_tokens = cache_creation_input_tokens (only when non-zero)
 *   completion_tokens           = output_tokens (thinking included on both sides)
 *   completion_tokens_details.reasoning_tokens = output_tokens_details.thinking_tokens (only when non-zero)
 *
 * and back: input_tokens = prompt_tokens - cached_tokens - cache_write_tokens (never below 0),
 * cache_read_input_tokens = cached_tokens, cache_creation_input_tokens = cache_write_tokens (0 from OpenAI itself).
 * A translated answer therefore bills the same tokens as the original.
 */
export function toOpenAIUsage(usage: AnthropicDeltaUsage): OpenAIUsage {
  const read = usage.cache_read_input_tokens ?? 0;
  const written = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + read + written;
  const completion = usage.output_tokens ?? 0;
  const thinking = usage.output_tokens_details?.thinking_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read, ...(written > 0 ? { cache_write_tokens: written } : {}) },
    ...(typeof thinking === 'number' ? { completion_tokens_details: { reasoning_tokens: thinking } } : {}),
  };
}

export function toAnthropicUsage(usage: OpenAIUsage | null | undefined): AnthropicUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached - written),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: written,
    ...(reasoning > 0 ? { output_tokens_details: { thinking_tokens: reasoning } } : {}),
  };
}

/** A `message_delta`'s counts replace those of `message_start` one by one; a null or absent count keeps the earlier. */
export function mergeDeltaUsage(start: AnthropicDeltaUsage, delta: AnthropicDeltaUsage | null | undefined): AnthropicDeltaUsage {
  const merged: Record<string, unknown> = { ...start };
  for (const [key, value] of Object.entries(delta ?? {})) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged as AnthropicDeltaUsage;
}
