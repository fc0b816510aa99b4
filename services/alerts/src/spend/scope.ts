import type { BudgetScope } from '@llmlab/contracts';

/**
 * How a scope is keyed in the aggregates: organization ('', ''), project (its id, ''), tag (key, value), end user
 * (user id, ''). The aggregates and the budgets read model use the same three columns.
 */
export interface ScopeColumns {
  scopeType: BudgetScope['type'];
  scopeId: string;
  scopeValue: string;
}

export function scopeColumns(scope: BudgetScope): ScopeColumns {
  switch (scope.type) {
    case 'organization':
      return { scopeType: 'organization', scopeId: '', scopeValue: '' };
    case 'project':
      return { scopeType: 'project', scopeId: scope.projectId, scopeValue: '' };
    case 'tag':
      return { scopeType: 'tag', scopeId: scope.key, scopeValue: scope.value };
    case 'end_user':
      return { scopeType: 'end_user', scopeId: scope.userId, scopeValue: '' };
  }
}

export function scopeFromColumns(columns: { scopeType: string; scopeId: string; scopeValue: string }): BudgetScope {
  switch (columns.scopeType) {
    case 'project':
      return { type: 'project', projectId: columns.scopeId };
    case 'tag':
      return { type: 'tag', key: columns.scopeId, value: columns.scopeValue };
    case 'end_user':
      return { type: 'end_user', userId: columns.scopeId };
    default:
      return { type: 'organization' };
  }
}

/** A unique, readable key of a scope within an organization, for rule keys: `project:0192…`, `tag:team=search`. */
export function scopeKey(scope: BudgetScope): string {
  const { scopeType, scopeId, scopeValue } = scopeColumns(scope);
  if (scopeType === 'organization') return 'organization';
  return scopeType === 'tag'
    ? `tag:${encodeURIComponent(scopeId)}=${encodeURIComponent(scopeValue)}`
    : `${scopeType}:${encodeURIComponent(scopeId)}`;
}
