import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../shared/api/schema';
import { figureLabel, figureText, RECOMMENDATION_KIND_OPTIONS, scopeText } from './recommendation-text';

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

  it('shows evidence figures as money, percentages and counts, never the API’s twelve decimals', () => {
    expect(figureText('cost', '18.420000000000')).toBe('$18.42');
    expect(figureText('failedCost', '0.000123000000')).toBe('$0.000123');
    expect(figureText('calls', 12400)).toBe('12,400');
    expect(figureText('cachedShare', '0.1234')).toBe('12.3 %');
    expect(figureText('busiestHoursShare', '1.0000')).toBe('100 %');
    expect(figureText('discount', '0.5')).toBe('50 %');
    expect(figureText('prefixHash', 'a1b2c3')).toBe('a1b2c3');
  });
});
