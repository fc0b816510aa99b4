import { describeEvent } from './event-descriptions';
import { withPrevious } from './field-memory';

const budget = {
  budgetId: 'b1',
  organizationId: 'o',
  name: 'Monthly',
  scope: { type: 'organization' },
  period: 'monthly',
  amount: { amount: '500', currency: 'USD' },
  thresholds: [50, 80, 100],
  timeZone: 'UTC',
  createdBy: 'u',
  createdAt: 't',
};

describe('audit index field memory', () => {
  it('lists a budget update from what it was created with', () => {
    const created = describeEvent('BudgetCreated', budget);
    const first = withPrevious(created.changes, created.created, undefined);
    expect(first.changes).toBeNull();

    const updated = describeEvent('BudgetUpdated', {
      budgetId: 'b1',
      organizationId: 'o',
      name: 'Monthly',
      amount: { amount: '750', currency: 'USD' },
      updatedBy: 'u',
      updatedAt: 't',
    });
    const second = withPrevious(updated.changes, updated.created, first.remembered);
    // The name was sent again unchanged: no change.
    expect(second.changes).toEqual([{ field: 'amount', from: { amount: '500', currency: 'USD' }, to: { amount: '750', currency: 'USD' } }]);

    const third = withPrevious(
      describeEvent('BudgetUpdated', {
        budgetId: 'b1',
        organizationId: 'o',
        amount: { amount: '900', currency: 'USD' },
        updatedBy: 'u',
        updatedAt: 't',
      }).changes,
      undefined,
      second.remembered,
    );
    expect(third.changes).toEqual([{ field: 'amount', from: { amount: '750', currency: 'USD' }, to: { amount: '900', currency: 'USD' } }]);
  });

  it('keeps a change without `from` when nothing was remembered, and one the event states both sides of', () => {
    expect(withPrevious([{ field: 'name', to: 'x' }], undefined, undefined)).toEqual({
      changes: [{ field: 'name', to: 'x' }],
      remembered: { name: 'x' },
    });
    expect(withPrevious([{ field: 'role', from: 'member', to: 'admin' }], undefined, { role: 'viewer' })).toEqual({
      changes: [{ field: 'role', from: 'member', to: 'admin' }],
      remembered: { role: 'admin' },
    });
    expect(withPrevious([{ field: 'description', to: null }], undefined, { description: 'old' }).changes).toEqual([
      { field: 'description', from: 'old', to: null },
    ]);
  });
});
