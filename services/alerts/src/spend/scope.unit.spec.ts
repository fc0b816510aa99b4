import { aggregateColumns, publicScope, scopeColumns, scopeFromColumns, scopeKey } from './scope';

describe('budget scopes as columns', () => {
  const pseudonym = 'eu_0123456789abcdef0123456789abcdef';

  it('keys an end user by the ledgers pseudonym in the aggregates, and keeps the id for display', () => {
    const scope = { type: 'end_user' as const, userId: 'ada@customer.example', endUser: pseudonym };
    expect(scopeColumns(scope)).toEqual({ scopeType: 'end_user', scopeId: pseudonym, scopeValue: 'ada@customer.example' });
    expect(aggregateColumns(scope)).toEqual({ scopeType: 'end_user', scopeId: pseudonym, scopeValue: '' });
    expect(scopeFromColumns(scopeColumns(scope))).toEqual(scope);
    expect(publicScope(scope)).toEqual({ type: 'end_user', userId: 'ada@customer.example' });
    expect(scopeKey(scope)).toBe(`end_user:${pseudonym}`);
  });

  it('reads a budget made before pseudonyms as it was: keyed by the id', () => {
    const legacy = { type: 'end_user' as const, userId: 'u_1' };
    expect(aggregateColumns(legacy)).toEqual({ scopeType: 'end_user', scopeId: 'u_1', scopeValue: '' });
    expect(scopeFromColumns(scopeColumns(legacy))).toEqual(legacy);
  });

  it('leaves the other scopes alike in both', () => {
    for (const scope of [{ type: 'organization' as const }, { type: 'tag' as const, key: 'team', value: 'search' }]) {
      expect(aggregateColumns(scope)).toEqual(scopeColumns(scope));
      expect(publicScope(scope)).toEqual(scope);
    }
  });
});
