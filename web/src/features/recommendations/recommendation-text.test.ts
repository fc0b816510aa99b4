import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../shared/api/schema';
import { figureLabel, RECOMMENDATION_KIND_OPTIONS, scopeText } from './recommendation-text';

const scoped = (scope: Partial<Schemas['RecommendationDto']['scope']>) =>
  ({ scope: { projectId: 'p', provider: null, model: null, feature: null, ...scope } }) as Schemas['RecommendationDto'];

describe('recommendation text', () => {
  it('names the scope: the model, then the feature, or the calls without one', () => {
    expect(scopeText(scoped({ provider: 'openai', model: 'gpt-4o', feature: 'search' }))).toBe('openai/gpt-4o, feature search');
    expect(scopeText(scoped({ provider: 'openai', model: 'gpt-4o', feature: '' }))).toBe('openai/gpt-4o, calls without a feature tag');
    expect(scopeText(scoped({}))).toBe('every model');
  });

  it('reads evidence figure names, and offers every kind the API has', () => {
    expect(figureLabel('failedCalls')).toBe('failed calls');
    expect(RECOMMENDATION_KIND_OPTIONS.map((o) => o.value)).toEqual([
      'model_rightsizing',
      'prompt_caching',
      'batch_api',
      'failed_spend',
      'reasoning_effort',
      'unpriced_usage',
    ]);
  });
});
