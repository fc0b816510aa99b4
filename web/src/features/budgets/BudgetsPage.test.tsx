import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ORG, PROJECT, renderApp, signedIn, type Call } from '../../test-utils';

const money = (amount: string) => ({ amount, currency: 'USD' });
const problem = (status: number, body: object) =>
  new Response(JSON.stringify({ status, ...body }), { status, headers: { 'content-type': 'application/problem+json' } });
const posted = (calls: Call[]) => calls.find((c) => c.method === 'POST' && c.path.endsWith('/budgets'));
const budget = {
  id: 'b1',
  organizationId: ORG,
  name: 'Checkout, monthly',
  scope: { type: 'project', projectId: PROJECT },
  period: 'monthly',
  amount: money('250.000000000000'),
  thresholds: [50, 80, 100],
  timeZone: 'UTC',
  enforce: false,
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
      enforce: false,
    });
    expect(screen.queryByText('enforced')).not.toBeInTheDocument();

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
    // Unchanged, enforce is not sent.
    expect(patch.body).not.toHaveProperty('enforce');
  });

  it('creates an enforced project budget, and shows it as enforced', async () => {
    let created = false;
    const calls = signedIn({
      'GET /v1/organizations/*/budgets': () => ({ data: created ? [{ ...budget, enforce: true }] : [] }),
      'POST /v1/organizations/*/budgets': () => {
        created = true;
        return { ...budget, enforce: true };
      },
    });
    renderApp(`/orgs/${ORG}/budgets`);
    const form = await screen.findByRole('form', { name: 'New budget' });
    const enforce = within(form).getByRole('checkbox', { name: 'Block proxied calls when spent' });
    expect(enforce).not.toBeChecked();
    expect(enforce).toHaveAccessibleDescription(
      'The proxy (/proxy/…) answers 429 to the calls this budget covers once it is spent. Usage sent with the SDK or POST /v1/usage is still recorded.',
    );
    await userEvent.type(within(form).getByLabelText('Name'), 'Checkout, monthly');
    await userEvent.type(within(form).getByLabelText('Amount (USD)'), '250');
    await userEvent.click(enforce);
    await userEvent.click(within(form).getByRole('button', { name: 'Create budget' }));
    await waitFor(() => expect(posted(calls)).toBeDefined());
    expect(posted(calls)?.body).toMatchObject({ scope: { type: 'project', projectId: PROJECT }, enforce: true });

    await screen.findByRole('meter', { name: 'Checkout, monthly: spend' });
    expect(screen.getByText('enforced')).toHaveClass('badge');
    // The form is cleared for the next budget.
    expect(enforce).not.toBeChecked();
  });

  it('cannot enforce an end-user budget', async () => {
    const calls = signedIn({
      'GET /v1/organizations/*/budgets': { data: [] },
      'POST /v1/organizations/*/budgets': { ...budget, scope: { type: 'end_user', userId: 'user-42' } },
    });
    renderApp(`/orgs/${ORG}/budgets`);
    const form = await screen.findByRole('form', { name: 'New budget' });
    const enforce = within(form).getByRole('checkbox', { name: 'Block proxied calls when spent' });
    await userEvent.click(enforce);
    expect(enforce).toBeChecked();

    await userEvent.selectOptions(within(form).getByLabelText('Counts'), 'end_user');
    expect(enforce).toBeDisabled();
    expect(enforce).not.toBeChecked();
    expect(enforce).toHaveAccessibleDescription('Not available for end-user budgets.');

    await userEvent.type(within(form).getByLabelText('Name'), 'Ada, daily');
    await userEvent.type(within(form).getByLabelText('End user id'), 'user-42');
    await userEvent.type(within(form).getByLabelText('Amount (USD)'), '5');
    await userEvent.click(within(form).getByRole('button', { name: 'Create budget' }));
    await waitFor(() => expect(posted(calls)).toBeDefined());
    expect(posted(calls)?.body).toMatchObject({ scope: { type: 'end_user', userId: 'user-42' }, enforce: false });
  });

  it('shows the refusal of enforce beside its checkbox', async () => {
    signedIn({
      'GET /v1/organizations/*/budgets': { data: [] },
      'POST /v1/organizations/*/budgets': () =>
        problem(400, {
          code: 'VALIDATION_FAILED',
          title: 'Bad Request',
          detail: 'invalid',
          errors: [{ field: '/enforce', message: 'is available for organization, project and tag budgets' }],
        }),
    });
    renderApp(`/orgs/${ORG}/budgets`);
    const form = await screen.findByRole('form', { name: 'New budget' });
    const enforce = within(form).getByRole('checkbox', { name: 'Block proxied calls when spent' });
    await userEvent.type(within(form).getByLabelText('Name'), 'Checkout, monthly');
    await userEvent.type(within(form).getByLabelText('Amount (USD)'), '250');
    await userEvent.click(enforce);
    await userEvent.click(within(form).getByRole('button', { name: 'Create budget' }));

    await waitFor(() => expect(enforce).toHaveAttribute('aria-invalid', 'true'));
    expect(enforce).toHaveAccessibleDescription(expect.stringContaining('is available for organization, project and tag budgets'));
    // The notice gives the problem's detail, not the field shown beside its checkbox.
    expect(screen.getByRole('alert')).toHaveTextContent('invalid');
    expect(screen.getByRole('alert')).not.toHaveTextContent('enforce');
  });

  it('turns enforcement on and off when editing (If-Match), sending enforce only when it changes', async () => {
    let current = { ...budget };
    const calls = signedIn({
      'GET /v1/organizations/*/budgets': () => ({ data: [current] }),
      'PATCH /v1/budgets/*': async (request: Request) => {
        const body = (await request.json()) as { enforce?: boolean };
        current = { ...current, ...(body.enforce === undefined ? {} : { enforce: body.enforce }), revision: current.revision + 1 };
        return current;
      },
    });
    renderApp(`/orgs/${ORG}/budgets`);
    await screen.findByRole('meter', { name: 'Checkout, monthly: spend' });
    expect(screen.queryByText('enforced')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Edit' }));
    let edit = screen.getByRole('form', { name: 'Edit Checkout, monthly' });
    const enforce = within(edit).getByRole('checkbox', { name: 'Block proxied calls when spent' });
    expect(enforce).not.toBeChecked();
    await userEvent.click(enforce);
    await userEvent.click(within(edit).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('enforced')).toHaveClass('badge');
    const on = calls.filter((c) => c.method === 'PATCH').at(-1)!;
    expect(on.headers.get('if-match')).toBe('"3"');
    expect(on.body).toMatchObject({ enforce: true });

    await userEvent.click(screen.getByRole('button', { name: 'Edit' }));
    edit = screen.getByRole('form', { name: 'Edit Checkout, monthly' });
    expect(within(edit).getByRole('checkbox', { name: 'Block proxied calls when spent' })).toBeChecked();
    await userEvent.click(within(edit).getByRole('checkbox', { name: 'Block proxied calls when spent' }));
    await userEvent.click(within(edit).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByText('enforced')).not.toBeInTheDocument());
    const off = calls.filter((c) => c.method === 'PATCH').at(-1)!;
    expect(off.headers.get('if-match')).toBe('"4"');
    expect(off.body).toMatchObject({ enforce: false });
  });

  it('cannot enforce an existing end-user budget', async () => {
    signedIn({
      'GET /v1/organizations/*/budgets': { data: [{ ...budget, scope: { type: 'end_user', userId: 'user-42' } }] },
    });
    renderApp(`/orgs/${ORG}/budgets`);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const edit = screen.getByRole('form', { name: 'Edit Checkout, monthly' });
    const enforce = within(edit).getByRole('checkbox', { name: 'Block proxied calls when spent' });
    expect(enforce).toBeDisabled();
    expect(enforce).toHaveAccessibleDescription('Not available for end-user budgets.');
  });
});
