import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

const money = (amount: string) => ({ amount, currency: 'USD' });
const budget = {
  id: 'b1',
  organizationId: ORG,
  name: 'Checkout, monthly',
  scope: { type: 'project', projectId: PROJECT },
  period: 'monthly',
  amount: money('250.000000000000'),
  thresholds: [50, 80, 100],
  timeZone: 'UTC',
  createdAt: '',
  updatedAt: '',
  revision: 3,
  current: {
    period: { unit: 'monthly', start: '2026-12-01T00:00:00Z', end: '2027-01-01T00:00:00Z', key: 'monthly:2026-12-01', timeZone: 'UTC' },
    spend: money('200.000000000000'),
    percentage: '80.00',
    thresholdsReached: [50, 80],
    forecast: {
      projected: money('310.5'),
      percentage: '124.20',
      method: 'weighted-average',
      dailyRate: '10',
      historyDays: 14,
      remainingDays: '11',
    },
    unpricedRecords: 2,
    asOf: '',
  },
};

describe('budgets', () => {
  it('creates a project budget with thresholds, and edits one at the revision read (If-Match)', async () => {
    let created = false;
    const calls = signedIn({
      'GET /v1/organizations/*/budgets': () => ({ data: created ? [budget] : [] }),
      'POST /v1/organizations/*/budgets': () => {
        created = true;
        return budget;
      },
      'PATCH /v1/budgets/*': { ...budget, revision: 4 },
    });
    renderApp(`/orgs/${ORG}/budgets`);
    const form = await screen.findByRole('form', { name: 'New budget' });
    await userEvent.type(within(form).getByLabelText('Name'), 'Checkout, monthly');
    await userEvent.type(within(form).getByLabelText('Amount (USD)'), '250.5.0');
    await userEvent.click(within(form).getByRole('button', { name: 'Create budget' }));
    expect(within(form).getByLabelText('Amount (USD)')).toHaveAccessibleDescription('A positive amount like 250 or 99.50.');

    await userEvent.clear(within(form).getByLabelText('Amount (USD)'));
    await userEvent.type(within(form).getByLabelText('Amount (USD)'), '250');
    await userEvent.clear(within(form).getByLabelText('Thresholds (%)'));
    await userEvent.type(within(form).getByLabelText('Thresholds (%)'), '50, 80, 100, 120');
    await userEvent.click(within(form).getByRole('button', { name: 'Create budget' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/budgets'))).toBe(true));
    expect(calls.find((c) => c.method === 'POST' && c.path.endsWith('/budgets'))?.body).toEqual({
      name: 'Checkout, monthly',
      period: 'monthly',
      amount: { amount: '250', currency: 'USD' },
      thresholds: [50, 80, 100, 120],
      scope: { type: 'project', projectId: PROJECT },
    });

    const meter = await screen.findByRole('meter', { name: 'Checkout, monthly: spend' });
    expect(meter).toHaveAttribute('aria-valuetext', '80.00% of the budget spent; forecast 124.20%');
    expect(screen.getByText(/Project checkout-bot/)).toBeInTheDocument();
    expect(screen.getByText(/2 unpriced records not counted/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const edit = screen.getByRole('form', { name: 'Edit Checkout, monthly' });
    expect(within(edit).getByLabelText('Amount (USD)')).toHaveValue('250');
    await userEvent.clear(within(edit).getByLabelText('Amount (USD)'));
    await userEvent.type(within(edit).getByLabelText('Amount (USD)'), '300');
    await userEvent.click(within(edit).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.path).toBe('/v1/budgets/b1');
    expect(patch.headers.get('if-match')).toBe('"3"');
    expect(patch.body).toMatchObject({ amount: { amount: '300', currency: 'USD' } });
  });
});
