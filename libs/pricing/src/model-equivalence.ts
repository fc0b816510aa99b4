import { PricingError, PricingErrorCode } from './pricing.errors';
import { normalizeModelId } from './price-catalog';
import { normalizeProvider } from './provider-names';

/** A model as the catalog files it: a provider id (`normalizeProvider`) and a model id. */
export interface ModelRef {
  readonly provider: string;
  readonly model: string;
}

/**
 * For each `provider/model`, cheaper models of the same provider that do the same kind of work, closest in quality
 * first (docs/pricing.md, "Model equivalence"). Kept in the repository so that a change is reviewed like code; every
 * id here has a catalog price and every alternative is cheaper than its model, input and output alike
 * (`model-equivalence.unit.spec.ts` checks both against the seeded catalog). Cheaper is not equivalent in quality:
 * whoever acts on it checks the answers first.
 */
export const MODEL_EQUIVALENCE: Readonly<Record<string, readonly string[]>> = {
  'openai/gpt-4': ['openai/gpt-4o', 'openai/gpt-4o-mini'],
  'openai/gpt-4-turbo': ['openai/gpt-4o', 'openai/gpt-4o-mini'],
  'openai/gpt-4o': ['openai/gpt-4o-mini'],
  'openai/gpt-4.1': ['openai/gpt-4.1-mini', 'openai/gpt-4.1-nano'],
  'openai/gpt-4.1-mini': ['openai/gpt-4.1-nano'],
  'openai/gpt-5': ['openai/gpt-5-mini', 'openai/gpt-5-nano'],
  'openai/gpt-5.1': ['openai/gpt-5-mini', 'openai/gpt-5-nano'],
  'openai/gpt-5-mini': ['openai/gpt-5-nano'],
  'openai/o1': ['openai/o3', 'openai/o4-mini'],
  'openai/o3': ['openai/o4-mini'],
  'anthropic/claude-opus-4-5': ['anthropic/claude-sonnet-4-5', 'anthropic/claude-haiku-4-5'],
  'anthropic/claude-opus-4-1': ['anthropic/claude-sonnet-4-5', 'anthropic/claude-haiku-4-5'],
  'anthropic/claude-opus-4': ['anthropic/claude-sonnet-4', 'anthropic/claude-haiku-4-5'],
  'anthropic/claude-sonnet-4-5': ['anthropic/claude-haiku-4-5'],
  'anthropic/claude-sonnet-4': ['anthropic/claude-haiku-4-5'],
  'anthropic/claude-3-7-sonnet': ['anthropic/claude-3-5-haiku'],
  'anthropic/claude-3-5-sonnet': ['anthropic/claude-3-5-haiku', 'anthropic/claude-3-haiku'],
  'anthropic/claude-3-opus': ['anthropic/claude-3-5-sonnet', 'anthropic/claude-3-5-haiku'],
  'google/gemini-2.5-pro': ['google/gemini-2.5-flash', 'google/gemini-2.5-flash-lite'],
  'google/gemini-2.5-flash': ['google/gemini-2.5-flash-lite'],
  'google/gemini-2.0-flash': ['google/gemini-2.0-flash-lite'],
  'google/gemini-1.5-pro': ['google/gemini-1.5-flash'],
  'mistral/mistral-large-latest': ['mistral/mistral-medium-latest', 'mistral/mistral-small-latest'],
  'mistral/mistral-medium-latest': ['mistral/mistral-small-latest'],
  'x-ai/grok-4': ['x-ai/grok-4-fast'],
  'x-ai/grok-3': ['x-ai/grok-3-mini'],
};

/** An equivalence table: `provider/model` → cheaper `provider/model`s, closest first. */
export type ModelEquivalenceTable = Readonly<Record<string, readonly string[]>>;

/** The longest list of alternatives, and the most models, an organization's table may hold. */
export const MODEL_EQUIVALENCE_LIMITS = { maxModels: 500, maxAlternatives: 10, maxIdLength: 256 } as const;

/** A dated snapshot (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) is the model of its undated name. */
const DATED = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/**
 * The table an organization sees: the repository's, with each of the organization's models replacing the line of
 * the same model (an empty list: suggest nothing for it). Keys and values are `provider/model`; provider names are
 * normalized (`azure_openai/gpt-4o` is `azure/gpt-4o`), model ids compared without case. Throws `PricingError`
 * (`INVALID_MODEL_EQUIVALENCE`) naming the first bad key or value (`/openai~1gpt-4o/1`, JSON Pointer).
 */
export function modelEquivalence(
  organizationTable: ModelEquivalenceTable = {},
  base: ModelEquivalenceTable = MODEL_EQUIVALENCE,
): ModelEquivalenceTable {
  const table = new Map<string, readonly string[]>();
  for (const [key, alternatives] of Object.entries(base))
    table.set(
      canonicalRef(key, pointer(key)),
      alternatives.map((a) => canonicalRef(a, pointer(key))),
    );
  const keys = Object.keys(organizationTable);
  if (keys.length > MODEL_EQUIVALENCE_LIMITS.maxModels) {
    invalid('', `at most ${MODEL_EQUIVALENCE_LIMITS.maxModels} models`);
  }
  for (const key of keys) {
    const alternatives: unknown = organizationTable[key];
    const at = pointer(key);
    const source = canonicalRef(key, at);
    if (!Array.isArray(alternatives)) invalid(at, 'must be an array of "provider/model"');
    if (alternatives.length > MODEL_EQUIVALENCE_LIMITS.maxAlternatives) {
      invalid(at, `at most ${MODEL_EQUIVALENCE_LIMITS.maxAlternatives} alternatives`);
    }
    const canonical = alternatives.map((alternative: unknown, i) => canonicalRef(alternative, `${at}/${i}`));
    canonical.forEach((alternative, i) => {
      if (alternative === source) invalid(`${at}/${i}`, 'a model is not its own alternative');
      if (canonical.indexOf(alternative) !== i) invalid(`${at}/${i}`, `repeats ${alternative}`);
    });
    table.set(source, canonical);
  }
  return Object.freeze(Object.fromEntries(table));
}

/**
 * Cheaper models to suggest for `provider/model`, closest first; none when the table has no line for it. A dated
 * snapshot finds the line of its undated name.
 */
export function cheaperModels(provider: string, model: string, table: ModelEquivalenceTable = MODEL_EQUIVALENCE): ModelRef[] {
  const prefix = `${normalizeProvider(provider)}/`;
  const id = normalizeModelId(model);
  const line = lookup(table, prefix + id) ?? lookup(table, prefix + id.replace(DATED, ''));
  return (line ?? []).map(parseRef);
}

/** The closest cheaper model to suggest for `provider/model`, or none. */
export function cheaperModel(provider: string, model: string, table: ModelEquivalenceTable = MODEL_EQUIVALENCE): ModelRef | undefined {
  return cheaperModels(provider, model, table)[0];
}

function lookup(table: ModelEquivalenceTable, key: string): readonly string[] | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function parseRef(ref: string): ModelRef {
  const slash = ref.indexOf('/');
  return { provider: ref.slice(0, slash), model: ref.slice(slash + 1) };
}

function canonicalRef(value: unknown, at: string): string {
  if (typeof value !== 'string' || value.length > MODEL_EQUIVALENCE_LIMITS.maxIdLength) {
    invalid(at, `must be "provider/model", at most ${MODEL_EQUIVALENCE_LIMITS.maxIdLength} characters`);
  }
  const slash = value.indexOf('/');
  const provider = slash > 0 ? normalizeProvider(value.slice(0, slash)) : '';
  const model = slash > 0 ? normalizeModelId(value.slice(slash + 1)) : '';
  if (provider === '' || model === '') invalid(at, `"${value}" is not "provider/model"`);
  return `${provider}/${model}`;
}

function pointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function invalid(field: string, message: string): never {
  throw new PricingError(PricingErrorCode.InvalidModelEquivalence, field, message);
}
