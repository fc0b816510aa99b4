/**
 * Cheaper models of the same provider family, for traffic that does not need the larger one (docs/recommendations.md,
 * "Model right-sizing"). Keys and values are `provider/model` as the catalog files them; a dated snapshot
 * (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) matches its undated name. Kept in the repository so a change
 * is reviewed like code; the target must have a catalog price or no saving can be estimated.
 */
export const MODEL_EQUIVALENCE: Readonly<Record<string, string>> = {
  'openai/gpt-4o': 'openai/gpt-4o-mini',
  'openai/gpt-4.1': 'openai/gpt-4.1-mini',
  'openai/gpt-4.1-mini': 'openai/gpt-4.1-nano',
  'openai/gpt-5': 'openai/gpt-5-mini',
  'openai/gpt-5-mini': 'openai/gpt-5-nano',
  'openai/o3': 'openai/o4-mini',
  'anthropic/claude-opus-4-1': 'anthropic/claude-sonnet-4-5',
  'anthropic/claude-opus-4': 'anthropic/claude-sonnet-4',
  'anthropic/claude-sonnet-4-5': 'anthropic/claude-haiku-4-5',
  'anthropic/claude-3-7-sonnet': 'anthropic/claude-3-5-haiku',
  'google/gemini-2.5-pro': 'google/gemini-2.5-flash',
  'google/gemini-2.5-flash': 'google/gemini-2.5-flash-lite',
};

const DATED = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** The cheaper model to suggest for `provider/model`, or none. */
export function cheaperModel(provider: string, model: string): { provider: string; model: string } | undefined {
  const target = MODEL_EQUIVALENCE[`${provider}/${model}`] ?? MODEL_EQUIVALENCE[`${provider}/${model.replace(DATED, '')}`];
  if (!target) return undefined;
  const slash = target.indexOf('/');
  return { provider: target.slice(0, slash), model: target.slice(slash + 1) };
}
