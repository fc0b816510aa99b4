import type { BudgetEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { budgetDecider, type BudgetCommand } from './budget.decider';

const spec = deciderSpec(budgetDecider);
const ORG = '0192f3a1-0000-7000-8000-000000000001';
const OTHER = '0192f3a1-0000-7000-8000-000000000002';
const PROJECT = '0192f3a1-0000-7000-8000-0000000000aa';
const BUDGET = '0192f3a1-0000-7000-8000-0000000000bb';
const at = '2025-06-18T09:00:00.000Z';

const create = (request: Record<string, unknown>, existingBudgets = 0): BudgetCommand => ({
  type: 'CreateBudget',
  data: { budgetId: BUDGET, organizationId: ORG, actorId: 'user:u1', at, request, defaultTimeZone: 'Europe/Paris', existingBudgets },
});
const valid = {
  name: ' Checkout ',
  scope: { type: 'project', projectId: PROJECT.toUpperCase() },
  period: 'monthly',
  amount: { amount: '1000.50', currency: 'USD' },
};

const created: BudgetEvent = {
  type: 'BudgetCreated',
  data: {
    budgetId: BUDGET,
    organizationId: ORG,
    name: 'Checkout',
    scope: { type: 'project', projectId: PROJECT },
    period: 'monthly',
    amount: { amount: '1000.5', currency: 'USD' },
    thresholds: [50, 80, 100],
    timeZone: 'Europe/Paris',
    createdBy: 'user:u1',
    createdAt: at,
  },
};

describe('budget decider', () => {
  it('creates a budget with the default thresholds and the organization time zone, normalised', () => {
    spec.given([]).when(create(valid)).then([created]);
  });

  it('takes thresholds (sorted, once each) and a time zone from the request', () => {
    spec
      .given([])
      .when(
        create({
          ...valid,
          thresholds: [100, 25, 100],
          timeZone: 'America/New_York',
          scope: { type: 'tag', key: 'feature', value: 'search' },
        }),
      )
      .then([
        {
          type: 'BudgetCreated',
          data: {
            ...created.data,
            scope: { type: 'tag', key: 'feature', value: 'search' },
            thresholds: [25, 100],
            timeZone: 'America/New_York',
          },
        },
      ]);
  });

  it('names every invalid field', () => {
    spec
      .given([])
      .when(
        create({
          name: '',
          scope: { type: 'end_user' },
          period: 'hourly',
          amount: { amount: '0', currency: 'USD' },
          thresholds: [],
          timeZone: 'Moon/Base',
        }),
      )
      .thenThrows({
        code: 'BUDGET_INVALID',
        errors: [
          { field: '/name', message: 'must have 1 to 100 characters' },
          { field: '/scope/userId', message: 'must have 1 to 256 characters' },
          { field: '/period', message: 'must be one of daily, weekly, monthly' },
          { field: '/amount/amount', message: expect.stringContaining('positive decimal string') },
          { field: '/thresholds', message: 'must list 1 to 10 percents' },
          { field: '/timeZone', message: 'must be an IANA time zone, e.g. Europe/Paris' },
        ],
      });
    spec
      .given([])
      .when(create({ ...valid, amount: { amount: 10, currency: 'USD' } }))
      .thenThrows({ code: 'BUDGET_INVALID', errors: [{ field: '/amount/amount' }] });
    spec
      .given([])
      .when(create({ ...valid, scope: { type: 'project', projectId: 'p1' } }))
      .thenThrows({ code: 'BUDGET_INVALID', errors: [{ field: '/scope/projectId' }] });
  });

  it('enforces a budget when asked, turns it off on update, and never for an end user', () => {
    spec
      .given([])
      .when(create({ ...valid, enforce: true }))
      .then([{ ...created, data: { ...created.data, enforce: true } } as BudgetEvent]);
    const update = (changes: Record<string, unknown>): BudgetCommand => ({
      type: 'UpdateBudget',
      data: { organizationId: ORG, actorId: 'user:u2', at, changes },
    });
    spec
      .given([{ ...created, data: { ...created.data, enforce: true } } as BudgetEvent])
      .when(update({ enforce: false }))
      .then([
        { type: 'BudgetUpdated', data: { budgetId: BUDGET, organizationId: ORG, enforce: false, updatedBy: 'user:u2', updatedAt: at } },
      ]);
    spec
      .given([created])
      .when(update({ enforce: false }))
      .thenNothing();
    spec
      .given([])
      .when(create({ ...valid, enforce: 'yes' }))
      .thenThrows({ code: 'BUDGET_INVALID', errors: [{ field: '/enforce' }] });
    spec
      .given([])
      .when(create({ ...valid, scope: { type: 'end_user', userId: 'u-1' }, enforce: true }))
      .thenThrows({ code: 'BUDGET_INVALID', errors: [{ field: '/enforce' }] });
  });

  it('refuses a budget past the organization limit', () => {
    spec.given([]).when(create(valid, 500)).thenThrows({ code: 'BUDGET_LIMIT_REACHED' });
  });

  it('records only what an update changes, and nothing when nothing changes', () => {
    const update = (changes: Record<string, unknown>, organizationId = ORG): BudgetCommand => ({
      type: 'UpdateBudget',
      data: { organizationId, actorId: 'user:u2', at, changes },
    });
    spec
      .given([created])
      .when(update({ name: 'Checkout', amount: { amount: '2000', currency: 'USD' }, thresholds: [100, 50, 80] }))
      .then([
        {
          type: 'BudgetUpdated',
          data: { budgetId: BUDGET, organizationId: ORG, amount: { amount: '2000', currency: 'USD' }, updatedBy: 'user:u2', updatedAt: at },
        },
      ]);
    spec
      .given([created])
      .when(update({ period: 'monthly', timeZone: 'Europe/Paris' }))
      .thenNothing();
    spec
      .given([created])
      .when(update({ thresholds: [5000] }))
      .thenThrows({ code: 'BUDGET_INVALID', errors: [{ field: '/thresholds/0' }] });
  });

  it("treats another organization's budget, a deleted one and a missing one alike: not found", () => {
    const del = (organizationId: string): BudgetCommand => ({ type: 'DeleteBudget', data: { organizationId, actorId: 'user:u1', at } });
    spec.given([created]).when(del(OTHER)).thenThrows({ code: 'BUDGET_NOT_FOUND' });
    spec.given([]).when(del(ORG)).thenThrows({ code: 'BUDGET_NOT_FOUND' });
    spec
      .given([created])
      .when(del(ORG))
      .then([{ type: 'BudgetDeleted', data: { budgetId: BUDGET, organizationId: ORG, deletedBy: 'user:u1', deletedAt: at } }]);
    spec
      .given([created, { type: 'BudgetDeleted', data: { budgetId: BUDGET, organizationId: ORG, deletedBy: 'user:u1', deletedAt: at } }])
      .when({ type: 'UpdateBudget', data: { organizationId: ORG, actorId: 'user:u1', at, changes: { name: 'x' } } })
      .thenThrows({ code: 'BUDGET_NOT_FOUND' });
  });
});
