import type { BudgetScope } from '@llmlab/contracts';

/**
 * How a scope is keyed in the aggregates: organization ('', ''), project (its id, ''), tag (key, value), end user
 * (the ledgers' pseudonym, ''; before pseudonyms, the id). The budgets and alerts read models use the same three
 * columns, with one difference (`scopeColumns`): an end user keyed by pseudonym keeps the id, for display, where
 * the aggregates have ''.
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
      return scope.endUser !== undefined
        ? { scopeType: 'end_user', scopeId: scope.endUser, scopeValue: scope.userId }
        : { scopeType: 'end_user', scopeId: scope.userId, scopeValue: '' };
  }
}

/** The aggregates' key of a scope: `scopeColumns`, without the end user's id beside its pseudonym. */
export function aggregateColumns(scope: BudgetScope): ScopeColumns {
  const columns = scopeColumns(scope);
  return columns.scopeType === 'end_user' ? { ...columns, scopeValue: '' } : columns;
}

/** A scope as callers see it: an end user by the id they gave, never the service's pseudonym of it. */
export function publicScope(scope: BudgetScope): BudgetScope {
  return scope.type === 'end_user' ? { type: 'end_user', userId: scope.userId } : scope;
}

export function scopeFromColumns(columns: { scopeType: string; scopeId: string; scopeValue: string }): BudgetScope {
  switch (columns.scopeType) {
    case 'project':
      return { type: 'project', projectId: columns.scopeId };
    case 'tag':
      return { type: 'tag', key: columns.scopeId, value: columns.scopeValue };
    case 'end_user':
      return columns.scopeValue !== ''
        ? { type: 'end_user', userId: columns.scopeValue, endUser: columns.scopeId }
        : { type: 'end_user', userId: columns.scopeId };
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
