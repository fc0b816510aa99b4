import { USAGE_COUNT_FIELDS, type UsageCounts } from '@llmlab/contracts';
import { checkUsage } from './cost-calculator';
import { PricingError, PricingErrorCode } from './pricing.errors';
import { normalizeProvider } from './provider-names';

/** The usage wire formats `normalizeUsage` reads; `docs/pricing.md` maps each field. */
export type UsageDialect = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'bedrock-converse';

type RawObject = Readonly<Record<string, unknown>>;
type Counts = { -readonly [K in keyof UsageCounts]-?: number };

/**
 * Converts a provider's usage object (the `usage` / `usageMetadata` of a response, or of the final streamed
 * chunk) to the platform convention, where `inputTokens` includes cached and cache-write tokens and
 * `outputTokens` includes reasoning tokens. The wire format is recognised from the fields present, with the
 * provider breaking the tie between OpenAI's Responses API and Anthropic, which share `input_tokens` but not
 * its meaning. Throws `PricingError`: `INVALID_PROVIDER_USAGE` for a shape no dialect has,
 * `INVALID_USAGE` when the counts contradict each other.
 */
export function normalizeUsage(provider: string, rawUsage: unknown): UsageCounts {
  if (!isObject(rawUsage)) invalidRaw('usage', 'must be an object');
  const dialect = detectUsageDialect(provider, rawUsage);
  const counts = DIALECTS[dialect](rawUsage);
  checkUsage(counts);
  const usage: Partial<Counts> = { inputTokens: counts.inputTokens, outputTokens: counts.outputTokens };
  for (const field of USAGE_COUNT_FIELDS) if (counts[field] > 0) usage[field] = counts[field];
  return usage as UsageCounts;
}

const GEMINI_FIELDS = ['promptTokenCount', 'candidatesTokenCount', 'cachedContentTokenCount', 'thoughtsTokenCount'];
const ANTHROPIC_FIELDS = ['cache_read_input_tokens', 'cache_creation_input_tokens', 'cache_creation'];

export function detectUsageDialect(provider: string, raw: RawObject): UsageDialect {
  const id = normalizeProvider(provider);
  if (GEMINI_FIELDS.some((field) => field in raw)) return 'gemini';
  // Converse and the platform's own UsageCounts both say `inputTokens`: only the provider tells them apart.
  if (id === 'aws' && ('inputTokens' in raw || 'outputTokens' in raw)) return 'bedrock-converse';
  if ('prompt_tokens' in raw || 'completion_tokens' in raw) return 'openai-chat';
  if ('input_tokens' in raw || 'output_tokens' in raw) {
    return id === 'anthropic' || ANTHROPIC_FIELDS.some((field) => field in raw) ? 'anthropic' : 'openai-responses';
  }
  return invalidRaw(
    'usage',
    'no known usage format: expected OpenAI (prompt_tokens or input_tokens), Anthropic (input_tokens), ' +
      'Gemini (promptTokenCount) or Bedrock Converse (inputTokens)',
  );
}

const DIALECTS: Record<UsageDialect, (raw: RawObject) => Counts> = {
  // prompt_tokens and completion_tokens are totals: cached, cache-write and audio tokens are parts of the
  // first, reasoning and audio tokens parts of the second (openai CompletionUsage typings).
  'openai-chat': (raw) =>
    counts({
      inputTokens: read(raw, 'prompt_tokens'),
      cachedInputTokens: read(raw, 'prompt_tokens_details', 'cached_tokens'),
      cacheWriteTokens: read(raw, 'prompt_tokens_details', 'cache_write_tokens'),
      inputAudioTokens: read(raw, 'prompt_tokens_details', 'audio_tokens'),
      inputImageTokens: read(raw, 'prompt_tokens_details', 'image_tokens'),
      outputTokens: read(raw, 'completion_tokens'),
      reasoningTokens: read(raw, 'completion_tokens_details', 'reasoning_tokens'),
      outputAudioTokens: read(raw, 'completion_tokens_details', 'audio_tokens'),
    }),

  // Responses and Images APIs say `input_tokens_details`, the Realtime API `input_token_details`.
  'openai-responses': (raw) => {
    const input = 'input_tokens_details' in raw ? 'input_tokens_details' : 'input_token_details';
    const output = 'output_tokens_details' in raw ? 'output_tokens_details' : 'output_token_details';
    return counts({
      inputTokens: read(raw, 'input_tokens'),
      cachedInputTokens: read(raw, input, 'cached_tokens'),
      cacheWriteTokens: read(raw, input, 'cache_write_tokens'),
      inputAudioTokens: read(raw, input, 'audio_tokens'),
      cachedInputAudioTokens: read(raw, input, 'cached_tokens_details', 'audio_tokens'),
      inputImageTokens: read(raw, input, 'image_tokens'),
      cachedInputImageTokens: read(raw, input, 'cached_tokens_details', 'image_tokens'),
      outputTokens: read(raw, 'output_tokens'),
      reasoningTokens: read(raw, output, 'reasoning_tokens'),
      outputAudioTokens: read(raw, output, 'audio_tokens'),
      outputImageTokens: read(raw, output, 'image_tokens'),
    });
  },

  // Anthropic's input_tokens leaves out cache reads and writes; output_tokens includes thinking.
  anthropic: (raw) => {
    const uncached = read(raw, 'input_tokens');
    const cacheRead = read(raw, 'cache_read_input_tokens');
    const cacheWrite = read(raw, 'cache_creation_input_tokens');
    return counts({
      inputTokens: uncached + cacheRead + cacheWrite,
      cachedInputTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      cacheWrite1hTokens: read(raw, 'cache_creation', 'ephemeral_1h_input_tokens'),
      outputTokens: read(raw, 'output_tokens'),
      reasoningTokens: read(raw, 'output_tokens_details', 'thinking_tokens'),
    });
  },

  // promptTokenCount includes the cached content; tool-use prompt tokens and thoughts are reported beside
  // the prompt and the candidates (totalTokenCount is the sum of all four) and billed as input and output.
  gemini: (raw) => {
    const thoughts = read(raw, 'thoughtsTokenCount');
    return counts({
      inputTokens: read(raw, 'promptTokenCount') + read(raw, 'toolUsePromptTokenCount'),
      cachedInputTokens: read(raw, 'cachedContentTokenCount'),
      inputAudioTokens: modality(raw, 'promptTokensDetails', 'AUDIO') + modality(raw, 'toolUsePromptTokensDetails', 'AUDIO'),
      cachedInputAudioTokens: modality(raw, 'cacheTokensDetails', 'AUDIO'),
      // Gemini bills a document page as image input, which is how genai-prices maps DOCUMENT too.
      inputImageTokens:
        modality(raw, 'promptTokensDetails', 'IMAGE', 'DOCUMENT') + modality(raw, 'toolUsePromptTokensDetails', 'IMAGE', 'DOCUMENT'),
      cachedInputImageTokens: modality(raw, 'cacheTokensDetails', 'IMAGE', 'DOCUMENT'),
      outputTokens: read(raw, 'candidatesTokenCount') + thoughts,
      reasoningTokens: thoughts,
      outputAudioTokens: modality(raw, 'candidatesTokensDetails', 'AUDIO'),
      outputImageTokens: modality(raw, 'candidatesTokensDetails', 'IMAGE'),
    });
  },

  // Converse reports inputTokens without the cache reads and writes, as Anthropic does.
  'bedrock-converse': (raw) => {
    const cacheRead = read(raw, 'cacheReadInputTokens');
    const cacheWrite = read(raw, 'cacheWriteInputTokens');
    return counts({
      inputTokens: read(raw, 'inputTokens') + cacheRead + cacheWrite,
      cachedInputTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      outputTokens: read(raw, 'outputTokens'),
    });
  },
};

function counts(partial: Partial<Counts> & Pick<Counts, 'inputTokens' | 'outputTokens'>): Counts {
  const all = {} as Counts;
  for (const field of USAGE_COUNT_FIELDS) all[field] = partial[field] ?? 0;
  return all;
}

/** A count at a path; absent or `null` (Anthropic sends nulls) is 0, anything but a count is an error. */
function read(raw: RawObject, ...path: string[]): number {
  let node: unknown = raw;
  for (let i = 0; i < path.length; i += 1) {
    if (node === undefined || node === null) return 0;
    if (!isObject(node)) invalidRaw(path.slice(0, i).join('.'), 'must be an object');
    node = node[path[i]];
  }
  return toCount(node, path.join('.'));
}

function toCount(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalidRaw(field, 'must be a non-negative integer');
  }
  return value;
}

/** Sums Gemini's `[{ modality, tokenCount }]` entries of the given modalities. */
function modality(raw: RawObject, field: string, ...modalities: string[]): number {
  const list = raw[field];
  if (list === undefined || list === null) return 0;
  if (!Array.isArray(list)) invalidRaw(field, 'must be an array');
  return list.reduce<number>((sum, item: unknown, i) => {
    if (!isObject(item)) invalidRaw(`${field}.${i}`, 'must be an object');
    if (!modalities.includes(String(item.modality))) return sum;
    return sum + toCount(item.tokenCount, `${field}.${i}.tokenCount`);
  }, 0);
}

function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidRaw(field: string, message: string): never {
  throw new PricingError(PricingErrorCode.InvalidProviderUsage, field, message);
}
