import type { Schemas } from '../../shared/api/schema';

type Recommendation = Schemas['RecommendationDto'];

const KINDS: Record<Recommendation['kind'], string> = {
  model_rightsizing: 'Cheaper model',
  prompt_caching: 'Prompt caching',
  batch_api: 'Batch API',
  failed_spend: 'Failed spend',
  reasoning_effort: 'Reasoning effort',
  unpriced_usage: 'Unpriced usage',
};

export const RECOMMENDATION_KIND_OPTIONS = Object.entries(KINDS).map(([value, label]) => ({ value, label }));

export function recommendationKind(r: Recommendation): string {
  return KINDS[r.kind];
}

/** Evidence figure names (`failedCalls`) as a person reads them (`failed calls`). */
export function figureLabel(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Where a recommendation applies: `openai/gpt-4o, feature support`. */
export function scopeText(r: Recommendation): string {
  const model = r.scope.provider && r.scope.model ? `${r.scope.provider}/${r.scope.model}` : 'every model';
  const feature = r.scope.feature === null ? '' : r.scope.feature === '' ? ', calls without a feature tag' : `, feature ${r.scope.feature}`;
  return model + feature;
}
