import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

// The canvas chart is uPlot's business (drawn in the browser tests); here it only shows what it was given.
vi.mock('./BilledRecordedChart', () => ({
  BilledRecordedChart: ({ days, label }: { days: { day: string; billed: string; recorded: string }[]; label: string }) => (
    <div role="img" aria-label={label} data-days={days.map((d) => `${d.day.slice(0, 10)}:${d.billed}/${d.recorded}`).join(' ')} />
  ),
}));

const usd = (amount: string) => ({ amount, currency: 'USD' });
const row = (day: string, provider: string, billed: string, recorded: string, status: string, extra: object = {}) => ({
  day,
  provider,
  billed: usd(billed),
  recorded: usd(recorded),
  delta: usd(String(Number(billed) - Number(recorded))),
  deltaPercent: Number(billed) === 0 ? null : ((100 * (Number(billed) - Number(recorded))) / Number(billed)).toFixed(2),
  status,
  ...extra,
});
const totals = {
  recorded: usd('120.000000000000'),
  billed: usd('150.000000000000'),
  delta: usd('30.000000000000'),
  deltaPercent: '20.00',
  unrecorded: usd('30.000000000000'),
  overrecorded: usd('0.000000000000'),
  rows: { matched: 1, unrecorded: 1, overrecorded: 0, pending: 1 },
};
const report = (groupBy: string, rows: object[]) => ({
  from: '2026-11-04T00:00:00.000Z',
  to: '2026-12-04T00:00:00.000Z',
  groupBy,
  tolerance: { percent: '1', amount: '0.01' },
  rows,
  totals,
});
const days = report('day', [
  row('2026-12-01', 'openai', '50', '50', 'matched'),
  row('2026-12-02', 'openai', '100', '70', 'unrecorded'),
  row('2026-12-03', 'openai', '0', '3', 'pending'),
]);
const models = report('model', [
  row('2026-12-01', 'openai', '50', '50', 'matched', { model: 'gpt-4o' }),
  row('2026-12-02', 'openai', '60', '30', 'unrecorded', { model: 'gpt-4o' }),
  row('2026-12-02', 'openai', '40', '40', 'matched', { model: 'gpt-4o-mini' }),
]);
const projects = report('project', [
  row('2026-12-02', 'openai', '70', '70', 'matched', { projectId: PROJECT }),
  row('2026-12-02', 'openai', '30', '0', 'unrecorded', { projectId: null }),
]);
const tokens = {
  from: days.from,
  to: days.to,
  rows: [
    {
      day: '2026-12-02',
      provider: 'openai',
      model: 'gpt-4o',
      reported: { input: 2_000_000, output: 100_000, cachedInput: 0, requests: 900 },
      recorded: { input: 1_000_000, output: 50_000, cachedInput: 0, requests: 450 },
      delta: { input: 1_000_000, output: 50_000, cachedInput: 0, requests: 450 },
      status: 'unrecorded',
    },
  ],
};

function api() {
  return signedIn({
    'GET /v1/organizations/*/reconciliation': (_request: Request, url: URL) => {
      const groupBy = url.searchParams.get('groupBy');
      return groupBy === 'model' ? models : groupBy === 'project' ? projects : days;
    },
    'GET /v1/organizations/*/reconciliation/tokens': tokens,
    'GET /v1/organizations/*/reconciliation-settings': {
      organizationId: ORG,
      tolerance: { percent: '1', amount: '0.01' },
      revision: -1,
      updatedAt: null,
    },
  });
}

describe('reconciliation', () => {
  it('charts billed against recorded per day, and lists the days with their statuses and the totals', async () => {
    api();
    renderApp(`/orgs/${ORG}/reconciliation`);
    const chart = await screen.findByRole('img', { name: /Billed \(bars\) and recorded \(line\)/ });
    expect(chart).toHaveAttribute('data-days', '2026-12-01:50/50 2026-12-02:100/70 2026-12-03:0/3');
    expect(screen.getByText(/A day matches within 1 % of the bill or \$0\.01/)).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Billed against recorded spend, in USD' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').at(-1)?.textContent)).toEqual(['Matched', 'Unrecorded', 'Pending']);
    expect(within(rows[1]).getByText('$30.00')).toBeInTheDocument();
    expect(within(rows[1]).getByText('30.00 %')).toBeInTheDocument();
    const stats = screen.getByLabelText('Totals of the complete days');
    expect(within(stats).getByText('$150.00')).toBeInTheDocument();
    expect(within(stats).getByText('$120.00')).toBeInTheDocument();
    expect(screen.getByText(/1 matched, 1 unrecorded, 0 overrecorded, 1 pending/)).toBeInTheDocument();
  });

  it('drills a day down to its models (in the URL), with the tokens the provider reported', async () => {
    const calls = api();
    const { router } = renderApp(`/orgs/${ORG}/reconciliation`);
    await userEvent.click(await screen.findByRole('button', { name: 'Models of openai on 2026-12-02' }));
    await waitFor(() => expect(router.state.location.search).toContain('group=model'));
    expect(router.state.location.search).toContain('day=2026-12-02');
    const table = await screen.findByRole('table', { name: 'Billed against recorded spend, in USD' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    expect(within(table).getByText('gpt-4o-mini')).toBeInTheDocument();
    expect(await screen.findByText('2,000,000 / 1,000,000')).toBeInTheDocument();
    const asked = calls.filter((c) => c.path.endsWith('/reconciliation')).map((c) => new URLSearchParams(c.search));
    expect(asked.some((q) => q.get('groupBy') === 'model' && q.get('provider') === 'openai')).toBe(true);
  });

  it('groups by project, naming unmapped spend', async () => {
    api();
    renderApp(`/orgs/${ORG}/reconciliation?group=project`);
    const table = await screen.findByRole('table', { name: 'Billed against recorded spend, in USD' });
    await waitFor(() => expect(within(table).getByText('checkout-bot')).toBeInTheDocument());
    expect(within(table).getByText('No mapped project')).toBeInTheDocument();
  });
});
