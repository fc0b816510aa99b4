import { screen, within } from '@testing-library/react';
import { vi } from 'vitest';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

// The canvas chart is uPlot's business (exercised in the browser tests); here it only shows what it was given.
vi.mock('../../shared/chart/StackedBarChart', () => ({
  StackedBarChart: ({ series, label }: { series: { label: string; values: string[] }[]; label: string }) => (
    <div role="img" aria-label={label} data-series={series.map((s) => `${s.label}:${s.values.join('+')}`).join(' ')} />
  ),
}));

vi.mock('./ForecastChart', () => ({
  ForecastChart: ({ label }: { label: string }) => <div role="img" aria-label={label} />,
}));

const money = (amount: string) => ({ amount, currency: 'USD' });
const totals = (amount: string, requests: number, unpriced = 0) => ({
  cost: money(amount),
  requests,
  errors: 0,
  unpriced,
  tokens: { input: 1000, output: 100, cachedInput: 0, cacheWrite: 0, reasoning: 0, total: 1100 },
});
const today = `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`;

describe('the overview', () => {
  it('shows the getting-started steps, with the project id, while no usage ever arrived', async () => {
    signedIn({
      'GET /v1/projects/*/costs/summary': {
        from: '',
        to: '',
        current: totals('0', 0),
        previous: { ...totals('0', 0), from: '', to: '' },
        traces: { total: 0, flagged: 0 },
      },
      'GET /v1/projects/*/costs/breakdown': { groupBy: 'day', from: '', to: '', rows: [] },
      'GET /v1/projects/*/usage': { data: [], nextCursor: null },
      'GET /v1/organizations/*/budgets': { data: [] },
    });
    renderApp(`/orgs/${ORG}/overview?project=${PROJECT}`);
    expect(await screen.findByRole('heading', { name: 'Send your first event' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create an API key' })).toBeInTheDocument();
    expect(screen.getByLabelText('curl: read the cost')).toHaveTextContent(`/v1/projects/${PROJECT}/costs/summary`);
    expect(screen.getByLabelText('curl: send one event')).toHaveTextContent('http://localhost:3000/v1/usage');
  });

  it('shows month-to-date spend from the decimal strings, the unpriced warning, budgets, the stack and the top lists', async () => {
    const calls = signedIn({
      'GET /v1/projects/*/costs/summary': {
        from: '',
        to: '',
        current: totals('1234.567800000000', 42, 3),
        previous: { ...totals('1000', 40), from: '2026-11-24T00:00:00Z', to: '2026-12-01T00:00:00Z' },
        traces: { total: 12, flagged: 3 },
      },
      'GET /v1/projects/*/costs/breakdown': (_: Request, url: URL) => {
        const groupBy = url.searchParams.get('groupBy');
        const row = (key: string, amount: string, split?: string) => ({ key, ...(split ? { split } : {}), ...totals(amount, 1) });
        if (groupBy === 'day' && url.searchParams.get('splitBy') === 'model')
          return { groupBy, from: '', to: '', rows: [row(today, '1000', 'gpt-4o'), row(today, '234.5678', 'claude')] };
        if (groupBy === 'day') return { groupBy, from: '', to: '', rows: [row(today, '1234.5678')] };
        if (groupBy === 'model') return { groupBy, from: '', to: '', rows: [row('gpt-4o', '1000'), row('claude', '234.5678')] };
        return { groupBy, from: '', to: '', rows: [] };
      },
      'GET /v1/projects/*/forecast': {
        period: { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z', timeZone: 'UTC' },
        currency: 'USD',
        spendToDate: '1234.5678',
        projected: '9001.25',
        method: 'weighted-average',
        intervals: { p80: { low: '8500', high: '9600.5' }, p95: { low: '8200', high: '9990' } },
        uncertainty: { status: 'ok', residuals: 28, relativeError: '0.1', bias: '0' },
        daily: [{ date: '2026-12-01', actual: '1234.5678', cumulative: { expected: '1234.5678' } }],
      },
      'GET /v1/organizations/*/budgets': {
        data: [
          {
            id: 'b1',
            name: 'Checkout, monthly',
            scope: { type: 'project', projectId: PROJECT },
            period: 'monthly',
            amount: money('1000.00'),
            thresholds: [50, 80, 100],
            timeZone: 'UTC',
            current: {
              period: { unit: 'monthly', start: '2026-12-01T00:00:00Z', end: '2027-01-01T00:00:00Z', key: 'm', timeZone: 'UTC' },
              spend: money('1234.5678'),
              percentage: '123.46',
              thresholdsReached: [50, 80, 100],
              forecast: {
                projected: money('5000'),
                percentage: '500.00',
                method: 'weighted-average',
                dailyRate: '1',
                historyDays: 3,
                remainingDays: '20',
              },
              unpricedRecords: 0,
              asOf: '',
            },
          },
        ],
      },
    });
    renderApp(`/orgs/${ORG}/overview?project=${PROJECT}`);
    expect(await screen.findByTestId('mtd-spend')).toHaveTextContent('$1,234.57');
    expect(await screen.findByText(/80 % likely between \$8,500.00 and \$9,600.50/)).toBeInTheDocument();
    expect(screen.getByTestId('forecast')).toHaveTextContent('$9,001.25');
    expect(screen.getByRole('img', { name: /projected to \$9,001.25 at month end/ })).toBeInTheDocument();
    expect(screen.getByText(/\+23\.5% vs\. \$1,000\.00/)).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('3 records this month have no price');
    expect(screen.getByRole('link', { name: 'Add a price override' })).toHaveAttribute('href', `/orgs/${ORG}/pricing?project=${PROJECT}`);
    expect(screen.getByRole('meter', { name: 'Checkout, monthly: spend' })).toHaveAttribute(
      'aria-valuetext',
      '123.46% of the budget spent; forecast 500.00%',
    );
    expect(screen.getByRole('img', { name: /Daily spend by model/ })).toHaveAttribute('data-series', expect.stringContaining('gpt-4o:'));
    // The flagged traces of the month, linking to the project's traces of the month.
    expect(screen.getByTestId('flagged-traces')).toHaveTextContent('3');
    expect(screen.getByText(/of 12 traces/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'See the traces' })).toHaveAttribute(
      'href',
      `/orgs/${ORG}/traces?project=${PROJECT}&range=mtd`,
    );
    const models = screen.getByRole('region', { name: 'Top models' });
    expect(within(models).getByRole('row', { name: /claude \$234\.57 1/ })).toBeInTheDocument();
    // Project scope: the project's routes, never the organization's.
    expect(calls.some((c) => c.path.startsWith('/v1/organizations/') && c.path.includes('/costs/'))).toBe(false);
    expect(calls.find((c) => c.search.includes('splitBy=model'))?.headers.get('authorization')).toBe(
      'Bearer eyJhbGciOiJSUzI1NiJ9.test.sig',
    );
  });
});
