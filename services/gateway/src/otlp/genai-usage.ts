import type { SpanAttributeValue, UsageCounts } from '@llmlab/contracts';

/**
 * The token counts of a GenAI span, in the platform's convention (OpenAI's: `inputTokens` counts every input
 * token, cached and cache-written ones included; `outputTokens` every output token, reasoning included).
 * docs/traces.md, "Token mapping", has the table and the reasoning behind each rule.
 */
export interface GenAiUsage {
  counts: UsageCounts;
}

/** Each count, by its current GenAI semantic-convention name first, then the spellings still sent in the wild. */
const NAMES = {
  input: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'],
  output: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
  cacheRead: ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'gen_ai.usage.input_tokens.cached'],
  cacheWrite: [
    'gen_ai.usage.cache_creation.input_tokens',
    'gen_ai.usage.cache_creation_input_tokens',
    'gen_ai.usage.input_tokens.cache_write',
  ],
  reasoning: ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'gen_ai.usage.output_tokens.reasoning'],
} as const;

/**
 * Null when the span reports neither input nor output tokens (it is not a priced call). The conventions say
 * `input_tokens` SHOULD include cached and cache-creation tokens, and OpenAI's usage does; instrumentations that
 * copy Anthropic's raw `usage.input_tokens` do not (Anthropic counts cache reads and writes apart). When the cache
 * counts exceed `input_tokens`, the sender cannot have included them, and they are added; otherwise the span is
 * taken as the convention says. Reasoning tokens are read the same way against `output_tokens` (Gemini reports
 * thoughts apart from candidates).
 */
export function genAiUsage(
  attributes: ReadonlyMap<string, SpanAttributeValue>,
  invalid: (field: string, message: string) => Error,
): GenAiUsage | undefined {
  const read = (names: readonly string[]): number | undefined => {
    for (const name of names) {
      const value = attributes.get(name);
      if (value === undefined) continue;
      const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid(name, 'must be a non-negative integer');
      return n;
    }
    return undefined;
  };
  const input = read(NAMES.input);
  const output = read(NAMES.output);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = read(NAMES.cacheRead) ?? 0;
  const cacheWrite = read(NAMES.cacheWrite) ?? 0;
  const reasoning = read(NAMES.reasoning) ?? 0;
  const reportedInput = input ?? 0;
  const reportedOutput = output ?? 0;
  const inputTokens = cacheRead + cacheWrite > reportedInput ? reportedInput + cacheRead + cacheWrite : reportedInput;
  const outputTokens = reasoning > reportedOutput ? reportedOutput + reasoning : reportedOutput;
  return {
    counts: {
      inputTokens,
      outputTokens,
      ...(cacheRead > 0 ? { cachedInputTokens: cacheRead } : {}),
      ...(cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
      ...(reasoning > 0 ? { reasoningTokens: reasoning } : {}),
    },
  };
}
