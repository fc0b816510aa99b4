import { Decimal } from 'decimal.js';
import type { Schemas } from '../../shared/api/schema';
import { formatCount, formatMoney } from '../../shared/money';

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

/**
 * An evidence figure as a person reads it: counts grouped (`12,400`), amounts as money (`$18.42`, not the API's
 * `18.420000000000`), shares in percent (`cachedShare` `0.1234` → `12.3 %`, `discount` `0.5` → `50 %`), anything else
 * (a prefix hash) as sent. Amounts are the records' (USD).
 */
export function figureText(name: string, value: string | number): string {
  if (typeof value === 'number') return formatCount(value);
  const decimal = /^-?\d+(\.\d+)?$/.test(value);
  if (decimal && (name === 'cost' || name.endsWith('Cost'))) return formatMoney({ amount: value, currency: 'USD' });
  if (decimal && (name === 'discount' || name.endsWith('Share'))) {
    return `${new Decimal(value).times(100).toDecimalPlaces(1).toString()} %`;
  }
  return value;
}

/** Where a recommendation applies: `openai/gpt-4o, feature support`. */
export function scopeText(r: Recommendation): string {
  const model = r.scope.provider && r.scope.model ? `${r.scope.provider}/${r.scope.model}` : 'every model';
  const feature = r.scope.feature === null ? '' : r.scope.feature === '' ? ', calls without a feature tag' : `, feature ${r.scope.feature}`;
  return model + feature;
}
