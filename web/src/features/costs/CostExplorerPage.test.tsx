import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';
import { ORG, renderApp, signedIn } from '../../test-utils';

vi.mock('../../shared/chart/StackedBarChart', () => ({
  StackedBarChart: ({ label }: { label: string }) => <div role="img" aria-label={label} />,
}));

const row = (key: string | null, amount: string, requests: number) => ({
  key,
  cost: { amount, currency: 'USD' },
  requests,
  errors: 0,
  unpriced: 0,
  tokens: { input: 10, output: 5, cachedInput: 0, cacheWrite: 0, reasoning: 0, total: 15 },
});

describe('the cost explorer', () => {
  it('keeps grouping and filters in the URL and sends them to the breakdown', async () => {
    const calls = signedIn({
      'GET /v1/organizations/*/costs/breakdown': (_: Request, url: URL) => ({
        groupBy: url.searchParams.get('groupBy'),
        from: '',
        to: '',
        rows: [row('u-1', '0.000000120000', 3), row(null, '0', 1)],
      }),
    });
    const { router } = renderApp(`/orgs/${ORG}/costs?group=user&model=gpt-4o`);
    const table = await screen.findByRole('table');
    expect(within(table).getByRole('row', { name: /u-1 \$0\.00000012 100\.0% 3/ })).toBeInTheDocument();
    expect(within(table).getByRole('row', { name: /\(none\)/ })).toBeInTheDocument();
    const sent = new URLSearchParams(calls.find((c) => c.path.endsWith('/costs/breakdown'))!.search);
    expect([sent.get('groupBy'), sent.get('model'), sent.get('limit')]).toEqual(['user', 'gpt-4o', '1000']);
    expect(screen.getByText('Choose a project to download its records.')).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText('Group by'), 'day');
    await waitFor(() => expect(router.state.location.search).toBe('?group=day&model=gpt-4o'));
    expect(await screen.findByRole('img', { name: /Spend by day, stacked by model/ })).toBeInTheDocument();
    await waitFor(() => expect(calls.some((c) => c.search.includes('splitBy=model') && c.search.includes('groupBy=day'))).toBe(true));
  });
});
