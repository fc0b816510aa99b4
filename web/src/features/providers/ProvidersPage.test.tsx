import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

const CONNECTION = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f60';
const connection = {
  connectionId: CONNECTION,
  organizationId: ORG,
  provider: 'openai',
  name: 'OpenAI production',
  baseUrl: null,
  keyHint: '9f3a',
  mappings: [],
  syncEnabled: true,
  revision: 0,
  createdAt: '2026-12-01T09:00:00.000Z',
  syncedUntil: null,
};
const run = (status: string, extra: object = {}) => ({
  runId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f70',
  connectionId: CONNECTION,
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-11-04T00:00:00.000Z',
  trigger: 'manual',
  status,
  pagesFetched: status === 'running' ? 1 : 3,
  rowsImported: status === 'running' ? 7 : 21,
  error: null,
  startedAt: '2026-12-04T10:00:00.000Z',
  finishedAt: status === 'running' ? null : '2026-12-04T10:00:05.000Z',
  ...extra,
});
const problem = (status: number, body: object) =>
  new Response(JSON.stringify({ status, ...body }), { status, headers: { 'content-type': 'application/problem+json' } });
const costs = {
  from: '2026-11-05T00:00:00.000Z',
  to: '2026-12-04T10:01:00.000Z',
  groupBy: 'provider',
  rows: [{ key: 'openai', amount: '1234.500000000001', currency: 'USD' }],
  total: '1234.500000000001',
};

describe('provider connections', () => {
  it('adds a connection, showing the refused key beside its field, and never sends an empty base URL', async () => {
    let added = false;
    let attempts = 0;
    const calls = signedIn({
      'GET /v1/organizations/*/providers': () => (added ? [connection] : []),
      'POST /v1/organizations/*/providers': () => {
        attempts += 1;
        if (attempts === 1) {
          return problem(422, {
            code: 'PROVIDER_CREDENTIALS_REJECTED',
            title: 'Unprocessable Entity',
            detail: 'The provider refused the credentials',
            errors: [{ field: '/credentials/adminKey', message: 'the provider refused the admin key' }],
          });
        }
        added = true;
        return new Response(JSON.stringify(connection), { status: 201, headers: { 'content-type': 'application/json' } });
      },
      'GET /v1/providers/*/runs': [],
      'GET /v1/organizations/*/provider-costs': costs,
    });
    const { router } = renderApp(`/orgs/${ORG}/providers`);
    expect(await screen.findByText(/No connection yet/)).toBeInTheDocument();
    const form = screen.getByRole('form', { name: 'New provider connection' });
    await userEvent.selectOptions(within(form).getByLabelText('Provider'), 'openai');
    await userEvent.type(within(form).getByLabelText('Name'), 'OpenAI production');
    const key = within(form).getByLabelText('Admin key');
    expect(key).toHaveAttribute('type', 'password');
    await userEvent.type(key, 'sk-admin-wrong-0000');
    await userEvent.click(within(form).getByRole('button', { name: 'Add connection' }));

    await waitFor(() => expect(key).toHaveAccessibleDescription(/the provider refused the admin key/));
    expect(key).toHaveAttribute('aria-invalid', 'true');
    // The field's message sits beside the field; the notice keeps the detail only.
    expect(screen.getByRole('alert')).toHaveTextContent(/^The provider refused the credentials$/);
    expect(calls.find((c) => c.method === 'POST' && c.path.endsWith('/providers'))?.body).toEqual({
      provider: 'openai',
      name: 'OpenAI production',
      credentials: { adminKey: 'sk-admin-wrong-0000' },
      syncEnabled: true,
    });

    await userEvent.clear(key);
    await userEvent.type(key, 'sk-admin-right-9f3a');
    await userEvent.click(within(form).getByRole('button', { name: 'Add connection' }));
    const table = await screen.findByRole('table', { name: 'Provider connections' });
    const row = within(table).getAllByRole('row')[1];
    expect(within(row).getByText('…9f3a')).toBeInTheDocument();
    expect(within(row).getByText('never synced')).toBeInTheDocument();
    await waitFor(() => expect(router.state.location.search).toBe(`?connection=${CONNECTION}`));
    expect(await screen.findByRole('heading', { name: 'OpenAI production (OpenAI)' })).toBeInTheDocument();
    expect(within(screen.getByRole('region', { name: 'Billed in the last 30 days, as imported' })).getAllByText('$1,234.50')).toHaveLength(
      2,
    );
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain('baseUrl');
  });

  it('renames, rotates the key, maps a provider project to a project, syncs a range now and follows the run', async () => {
    let current = { ...connection };
    let runs: object[] = [];
    let runsAsked = 0;
    const calls = signedIn({
      'GET /v1/organizations/*/providers': () => [current],
      'GET /v1/providers/*/runs': () => {
        runsAsked += 1;
        // Started, then seen running once, then completed: the page polls without a reload.
        if (runs.length && runsAsked > 3) runs = [run('completed')];
        return runs;
      },
      'GET /v1/organizations/*/provider-costs': costs,
      'PATCH /v1/providers/*': async (request: Request) => {
        const body = (await request.json()) as { name?: string; credentials?: { adminKey: string }; mappings?: object[] };
        current = {
          ...current,
          ...(body.name ? { name: body.name } : {}),
          ...(body.credentials ? { keyHint: body.credentials.adminKey.slice(-4) } : {}),
          ...(body.mappings ? { mappings: body.mappings as never[] } : {}),
          revision: current.revision + 1,
        };
        return current;
      },
      'POST /v1/providers/*/sync': () => {
        runs = [run('running')];
        runsAsked = 1;
        return new Response(JSON.stringify({ runId: run('running').runId }), {
          status: 202,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    renderApp(`/orgs/${ORG}/providers?connection=${CONNECTION}`);

    const settings = await screen.findByRole('form', { name: 'Connection settings' });
    await userEvent.clear(within(settings).getByLabelText('Connection name'));
    await userEvent.type(within(settings).getByLabelText('Connection name'), 'OpenAI, main org');
    await userEvent.click(within(settings).getByLabelText('Sync every day'));
    await userEvent.click(within(settings).getByRole('button', { name: 'Save settings' }));
    expect(await within(settings).findByText('Saved.')).toBeInTheDocument();
    const patches = () => calls.filter((c) => c.method === 'PATCH').map((c) => c.body);
    expect(patches()[0]).toEqual({ name: 'OpenAI, main org', syncEnabled: false });

    const rotate = screen.getByRole('form', { name: 'Rotate the admin key' });
    await userEvent.type(within(rotate).getByLabelText('New admin key'), 'sk-admin-rotated-77b2');
    await userEvent.click(within(rotate).getByRole('button', { name: 'Check and rotate' }));
    expect(await within(rotate).findByText(/the key now ends in 77b2/)).toBeInTheDocument();
    expect(patches()[1]).toEqual({ credentials: { adminKey: 'sk-admin-rotated-77b2' } });
    expect(within(rotate).getByLabelText('New admin key')).toHaveValue('');

    const mappings = screen.getByRole('form', { name: 'Project mappings' });
    await userEvent.click(within(mappings).getByRole('button', { name: 'Add a mapping' }));
    await userEvent.type(within(mappings).getByLabelText('OpenAI project id 1'), 'proj_checkout');
    expect(within(mappings).getByLabelText('LLMLab project 1')).toHaveValue(PROJECT);
    await userEvent.click(within(mappings).getByRole('button', { name: 'Save mappings' }));
    expect(await within(mappings).findByText('Saved: 1 mapped.')).toBeInTheDocument();
    expect(patches()[2]).toEqual({ mappings: [{ externalId: 'proj_checkout', projectId: PROJECT }] });

    expect(await screen.findByText(/No run yet/)).toBeInTheDocument();
    const sync = screen.getByRole('form', { name: 'Sync now' });
    await userEvent.type(within(sync).getByLabelText('From (UTC day, optional)'), '2026-11-01');
    await userEvent.type(within(sync).getByLabelText('To (UTC day included, optional)'), '2026-11-03');
    await userEvent.click(within(sync).getByRole('button', { name: 'Sync now' }));
    expect(calls.find((c) => c.path.endsWith('/sync'))?.body).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-04T00:00:00.000Z',
    });
    const runsTable = await screen.findByRole('table', { name: 'Sync runs of OpenAI, main org, latest first' });
    const cells = () => within(runsTable).getAllByRole('row')[1].querySelectorAll('td, th');
    await waitFor(() => expect(cells()[3]).toHaveTextContent('running'));
    expect(cells()[2]).toHaveTextContent('2026-11-01 – 2026-11-03');
    const costsAsked = () => calls.filter((c) => c.path.endsWith('/provider-costs')).length;
    const costsBefore = costsAsked();
    await waitFor(() => expect(cells()[3]).toHaveTextContent('completed'), { timeout: 8_000 });
    expect([...cells()].slice(4, 6).map((c) => c.textContent)).toEqual(['3', '21']);
    // The run is over: what it imported is asked for again.
    await waitFor(() => expect(costsAsked()).toBeGreaterThan(costsBefore));
  }, 15_000);

  it('shows why a run failed, tests the stored key (refused: rotate it), and deletes a connection once confirmed', async () => {
    let removed = false;
    const calls = signedIn({
      'GET /v1/organizations/*/providers': () => (removed ? [] : [connection]),
      'GET /v1/providers/*/runs': [run('failed', { error: 'openai answered 401 Unauthorized: the admin key was revoked' })],
      'GET /v1/organizations/*/provider-costs': costs,
      'POST /v1/providers/*/test': { outcome: 'rejected', detail: 'openai refused the admin key', durationMs: 41 },
      'DELETE /v1/providers/*': () => {
        removed = true;
        return new Response(null, { status: 204 });
      },
    });
    const confirm = vi.spyOn(window, 'confirm');
    const { router } = renderApp(`/orgs/${ORG}/providers?connection=${CONNECTION}`);
    expect(await screen.findByText('openai answered 401 Unauthorized: the admin key was revoked')).toBeInTheDocument();
    const listed = within(screen.getByRole('table', { name: 'Provider connections' })).getAllByRole('row')[1];
    expect(within(listed).getByText('failed')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('OpenAI refused the key: rotate it below. (openai refused the admin key)')).toBeInTheDocument();
    expect(calls.find((c) => c.path.endsWith('/test'))?.path).toBe(`/v1/providers/${CONNECTION}/test`);

    confirm.mockReturnValueOnce(false);
    await userEvent.click(screen.getByRole('button', { name: 'Delete connection' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    confirm.mockReturnValueOnce(true);
    await userEvent.click(screen.getByRole('button', { name: 'Delete connection' }));
    expect(confirm).toHaveBeenLastCalledWith(expect.stringContaining('Delete the connection OpenAI production?'));
    expect(await screen.findByText(/No connection yet/)).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/v1/providers/${CONNECTION}`);
    expect(router.state.location.search).toBe('');
  });

  it('tells a member that only admins manage connections, and asks the API for none', async () => {
    const calls = signedIn({
      'GET /v1/organizations': {
        data: [{ id: ORG, name: 'Acme', role: 'member', createdAt: '2026-12-01T00:00:00Z', rateLimits: {}, revision: 0 }],
      },
    });
    renderApp(`/orgs/${ORG}/providers`);
    expect(await screen.findByText('Only admins and owners see and manage provider connections.')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'New provider connection' })).not.toBeInTheDocument();
    expect(screen.getAllByRole('link', { name: 'Reconciliation' }).length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.path.includes('/providers'))).toEqual([]);
  });
});
