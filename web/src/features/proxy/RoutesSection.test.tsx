import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

const chatDefault = {
  routeId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f60',
  model: 'chat-default',
  targets: [
    { provider: 'openai', model: 'gpt-4o-mini' },
    { provider: 'openai', model: 'gpt-4.1-nano' },
  ],
  feature: null,
  timeoutMs: null,
  cacheTtlSeconds: null,
  recommendationId: null,
  updatedAt: '2026-12-04T07:30:00.000Z',
  updatedBy: 'user:u1',
};
const claude = {
  routeId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f61',
  model: 'claude-sonnet-4-5',
  targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
  feature: null,
  timeoutMs: 30_000,
  cacheTtlSeconds: null,
  recommendationId: null,
  updatedAt: '2026-12-01T09:00:00.000Z',
  updatedBy: 'user:u1',
};
const applied = {
  routeId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f62',
  model: 'gpt-4o',
  feature: 'classify',
  targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
  timeoutMs: null,
  cacheTtlSeconds: null,
  recommendationId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f99',
  updatedAt: '2026-12-05T10:00:00.000Z',
  updatedBy: 'user:u1',
};
const problem = (status: number, body: object) =>
  new Response(JSON.stringify({ status, ...body }), { status, headers: { 'content-type': 'application/problem+json' } });
const PAGE = `/orgs/${ORG}/proxy?project=${PROJECT}`;
const routeForm = () => screen.findByRole('form', { name: 'Set a route' });
const puts = (calls: { method: string; path: string; body: unknown }[]) =>
  calls.filter((c) => c.method === 'PUT' && c.path === `/v1/projects/${PROJECT}/routes`).map((c) => c.body);

describe('proxy routes', () => {
  it('lists the routes: their model, their targets in order with the provider once, the timeout and when they changed', async () => {
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': [chatDefault, claude],
      'GET /v1/projects/*/routes/traffic': {
        window: { from: '2026-11-06', to: '2026-12-07' },
        routes: [
          {
            routeId: chatDefault.routeId,
            calls: 1234,
            errors: 1,
            fallbacks: 17,
            cacheHits: 200,
            cost: { amount: '0.420000000000', currency: 'USD' },
            cacheSaved: { amount: '0.068000000000', currency: 'USD' },
          },
          // A route removed since: not listed.
          {
            routeId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f6f',
            calls: 5,
            errors: 0,
            fallbacks: 0,
            cacheHits: 0,
            cost: { amount: '0.01', currency: 'USD' },
            cacheSaved: { amount: '0', currency: 'USD' },
          },
        ],
      },
    });
    renderApp(PAGE);
    const table = await screen.findByRole('table', { name: 'Routes' });
    await within(table).findByText('$0.42');
    // The last 30 UTC days, today included: from the midnight 29 days before today's.
    const asked = new URLSearchParams(calls.find((c) => c.path === `/v1/projects/${PROJECT}/routes/traffic`)!.search);
    const today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
    expect(asked.get('from')).toBe(new Date(today.getTime() - 29 * 86_400_000).toISOString());
    expect(within(table).getByRole('columnheader', { name: 'Last 30 days' })).toBeInTheDocument();
    const rows = within(table).getAllByRole('row');
    expect(rows.map((r) => within(r).queryByRole('rowheader')?.textContent)).toEqual([undefined, 'chat-default', 'claude-sonnet-4-5']);
    expect(
      rows.map((r) =>
        within(r)
          .queryAllByRole('cell')
          .map((c) => c.textContent),
      ),
    ).toEqual([
      [],
      [
        'OpenAI: gpt-4o-mini → gpt-4.1-nano',
        'default, no cache',
        '1,234 calls, $0.42 17 by a fallback · 1 error · 200 from the cache, $0.068 saved',
        '4 Dec 2026, 07:30 UTC',
        'Edit Remove',
      ],
      ['Anthropic: claude-sonnet-4-5', '30 s, no cache', 'no calls', '1 Dec 2026, 09:00 UTC', 'Edit Remove'],
    ]);
    expect(within(rows[1]).getByText('chat-default').tagName).toBe('CODE');
    const routes = screen.getByRole('region', { name: 'Routes' });
    expect(routes).toHaveTextContent("The first target's model replaces the one asked.");
    expect(within(await routeForm()).getByRole('button', { name: 'Save route' })).toBeInTheDocument();
  });

  it('lists the routes without their traffic when it cannot be read, saying so', async () => {
    signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': [claude],
      'GET /v1/projects/*/routes/traffic': problem(503, { code: 'SERVICE_UNAVAILABLE', title: 'Service Unavailable', detail: 'down' }),
    });
    renderApp(PAGE);
    const table = await screen.findByRole('table', { name: 'Routes' });
    expect(await within(table).findByText('not available')).toBeInTheDocument();
    expect(within(table).getByRole('rowheader')).toHaveTextContent('claude-sonnet-4-5');
  });

  it('says that calls go to the model they ask for while there is no route', async () => {
    signedIn({ 'GET /v1/projects/*/provider-keys': [], 'GET /v1/projects/*/routes': [] });
    renderApp(PAGE);
    expect(await screen.findByText('No routes: calls go to the model they ask for.')).toBeInTheDocument();
    expect(screen.queryByRole('table', { name: 'Routes' })).not.toBeInTheDocument();
  });

  it('saves a route: the targets in order, the timeout in ms and the cache; a refused target is named beside its own input', async () => {
    let saved = false;
    let attempts = 0;
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': () => (saved ? [{ ...chatDefault, timeoutMs: 30_000, cacheTtlSeconds: 3600 }] : []),
      'PUT /v1/projects/*/routes': () => {
        attempts += 1;
        if (attempts === 1) {
          return problem(400, {
            code: 'VALIDATION_FAILED',
            title: 'Bad Request',
            detail: '/targets/1/model: must be a model name of 1 to 200 printable characters',
            errors: [{ field: '/targets/1/model', message: 'must be a model name of 1 to 200 printable characters' }],
          });
        }
        saved = true;
        return { ...chatDefault, timeoutMs: 30_000, cacheTtlSeconds: 3600 };
      },
    });
    renderApp(PAGE);
    const form = await routeForm();
    await userEvent.type(within(form).getByLabelText('Model name'), ' chat-default ');
    await userEvent.type(within(form).getByLabelText('Target model 1'), 'gpt-4o-mini');
    expect(within(form).queryByRole('button', { name: 'Remove target model 1' })).not.toBeInTheDocument();
    await userEvent.click(within(form).getByRole('button', { name: 'Add fallback' }));
    await userEvent.type(within(form).getByLabelText('Target model 2'), 'gpt-4.1-nano ');
    await userEvent.type(within(form).getByLabelText('Timeout in seconds (optional)'), '30');
    await userEvent.type(within(form).getByLabelText('Cache answers for, in seconds (optional)'), '3600');
    await userEvent.click(within(form).getByRole('button', { name: 'Save route' }));

    const second = within(form).getByLabelText('Target model 2');
    await vi.waitFor(() => expect(second).toHaveAttribute('aria-invalid', 'true'));
    expect(second).toHaveAccessibleDescription('must be a model name of 1 to 200 printable characters');
    expect(within(form).getByLabelText('Target model 1')).not.toHaveAttribute('aria-invalid');
    expect(within(form).getByLabelText('Model name')).not.toHaveAttribute('aria-invalid');
    // Named beside its input only: no notice repeats it.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    await userEvent.click(within(form).getByRole('button', { name: 'Save route' }));
    expect(await screen.findByText('Route chat-default saved.')).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Routes' });
    expect(table).toHaveTextContent('OpenAI: gpt-4o-mini → gpt-4.1-nano');
    expect(table).toHaveTextContent('30 s');
    expect(table).toHaveTextContent('30 s, cache 3600 s');
    // The form is blank again, for the next route.
    expect(within(form).getByLabelText('Model name')).toHaveValue('');
    expect(within(form).getByLabelText('Target model 1')).toHaveValue('');
    expect(within(form).queryByLabelText('Target model 2')).not.toBeInTheDocument();
    expect(within(form).getByLabelText('Timeout in seconds (optional)')).toHaveValue(null);
    const body = {
      model: 'chat-default',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'openai', model: 'gpt-4.1-nano' },
      ],
      timeoutMs: 30_000,
      cacheTtlSeconds: 3600,
    };
    expect(puts(calls)).toEqual([body, body]);
  });

  it('offers 5 targets at most, removes one, and sends no timeout when it is empty', async () => {
    const route = { ...claude, targets: ['m1', 'm3', 'm4', 'm5'].map((model) => ({ provider: 'anthropic', model })), timeoutMs: null };
    let saved = false;
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': () => (saved ? [route] : []),
      'PUT /v1/projects/*/routes': () => {
        saved = true;
        return route;
      },
    });
    renderApp(PAGE);
    const form = await routeForm();
    await userEvent.type(within(form).getByLabelText('Model name'), 'claude-sonnet-4-5');
    // The fallbacks added then are of the provider of the target before them.
    await userEvent.selectOptions(within(form).getByLabelText('Target 1 provider'), 'anthropic');
    const add = within(form).getByRole('button', { name: 'Add fallback' });
    for (let i = 0; i < 4; i++) await userEvent.click(add);
    expect(add).toBeDisabled();
    for (let i = 1; i <= 5; i++) await userEvent.type(within(form).getByLabelText(`Target model ${i}`), `m${i}`);
    await userEvent.click(within(form).getByRole('button', { name: 'Remove target model 2' }));
    expect(add).toBeEnabled();
    expect(
      within(form)
        .getAllByRole('textbox', { name: /^Target model/ })
        .map((i) => (i as HTMLInputElement).value),
    ).toEqual(['m1', 'm3', 'm4', 'm5']);
    await userEvent.click(within(form).getByRole('button', { name: 'Save route' }));
    expect(await screen.findByText('Route claude-sonnet-4-5 saved.')).toBeInTheDocument();
    expect(puts(calls)).toEqual([{ model: 'claude-sonnet-4-5', targets: route.targets }]);
    expect(await screen.findByRole('table', { name: 'Routes' })).toHaveTextContent('Anthropic: m1 → m3 → m4 → m5');
  });

  it('fills the form from a route to edit, and says the route is replaced', async () => {
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': [chatDefault, claude],
      'PUT /v1/projects/*/routes': { ...claude, timeoutMs: 45_000 },
    });
    renderApp(PAGE);
    const form = await routeForm();
    // A model name that has a route: saving replaces it.
    await userEvent.type(within(form).getByLabelText('Model name'), 'chat-default');
    expect(within(form).getByRole('button', { name: 'Replace route' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Replace the route for chat-default' })).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Edit the route for claude-sonnet-4-5' }));
    // A new form, filled with the route's values.
    const edited = await routeForm();
    const model = within(edited).getByLabelText('Model name');
    expect(model).toHaveValue('claude-sonnet-4-5');
    expect(model).toHaveFocus();
    expect(within(edited).getByLabelText('Target 1 provider')).toHaveValue('anthropic');
    expect(within(edited).getByLabelText('Target model 1')).toHaveValue('claude-sonnet-4-5');
    expect(within(edited).queryByLabelText('Target model 2')).not.toBeInTheDocument();
    expect(within(edited).getByLabelText('Timeout in seconds (optional)')).toHaveValue(30);
    expect(screen.getByText(/saving replaces its targets, its timeout and its cache/)).toBeInTheDocument();

    await userEvent.clear(within(edited).getByLabelText('Timeout in seconds (optional)'));
    await userEvent.type(within(edited).getByLabelText('Timeout in seconds (optional)'), '45');
    await userEvent.click(within(edited).getByRole('button', { name: 'Replace route' }));
    expect(await screen.findByText('Route claude-sonnet-4-5 saved.')).toBeInTheDocument();
    expect(puts(calls)).toEqual([
      { model: 'claude-sonnet-4-5', targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }], timeoutMs: 45_000 },
    ]);
  });

  it('lists and saves a route whose targets are of both providers, naming the provider where it changes', async () => {
    const mixed = {
      ...chatDefault,
      routeId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f63',
      model: 'chat-any',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'anthropic', model: 'claude-haiku-4-5' },
        { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      ],
    };
    let saved = false;
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': () => (saved ? [mixed] : []),
      'PUT /v1/projects/*/routes': () => {
        saved = true;
        return mixed;
      },
    });
    renderApp(PAGE);
    expect(await screen.findByRole('region', { name: 'Routes' })).toHaveTextContent(
      'a chat call to the other format (OpenAI ⇄ Anthropic) is translated',
    );
    const form = await routeForm();
    await userEvent.type(within(form).getByLabelText('Model name'), 'chat-any');
    await userEvent.type(within(form).getByLabelText('Target model 1'), 'gpt-4o-mini');
    await userEvent.click(within(form).getByRole('button', { name: 'Add fallback' }));
    expect(within(form).getByLabelText('Target 2 provider')).toHaveValue('openai');
    await userEvent.selectOptions(within(form).getByLabelText('Target 2 provider'), 'anthropic');
    await userEvent.type(within(form).getByLabelText('Target model 2'), 'claude-haiku-4-5');
    await userEvent.click(within(form).getByRole('button', { name: 'Add fallback' }));
    expect(within(form).getByLabelText('Target 3 provider')).toHaveValue('anthropic');
    await userEvent.type(within(form).getByLabelText('Target model 3'), 'claude-sonnet-4-5');
    await userEvent.click(within(form).getByRole('button', { name: 'Save route' }));
    expect(await screen.findByText('Route chat-any saved.')).toBeInTheDocument();
    expect(puts(calls)).toEqual([{ model: 'chat-any', targets: mixed.targets }]);
    expect(await screen.findByRole('table', { name: 'Routes' })).toHaveTextContent(
      'OpenAI: gpt-4o-mini → Anthropic: claude-haiku-4-5 → claude-sonnet-4-5',
    );
  });

  it('removes a route once confirmed', async () => {
    let removed = false;
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': () => (removed ? [] : [chatDefault]),
      'DELETE /v1/projects/*/routes/*': () => {
        removed = true;
        return new Response(null, { status: 204 });
      },
    });
    const confirm = vi.spyOn(window, 'confirm');
    renderApp(PAGE);
    const remove = await screen.findByRole('button', { name: 'Remove the route for chat-default' });
    confirm.mockReturnValueOnce(false);
    await userEvent.click(remove);
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    confirm.mockReturnValueOnce(true);
    await userEvent.click(remove);
    expect(confirm).toHaveBeenLastCalledWith(expect.stringContaining('Remove the route for chat-default?'));
    expect(await screen.findByText('No routes: calls go to the model they ask for.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/v1/projects/${PROJECT}/routes/${chatDefault.routeId}`);
    confirm.mockRestore();
  });

  it('shows a route for one feature and the recommendation it applies, and sets a route for a feature', async () => {
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [],
      'GET /v1/projects/*/routes': [applied],
      'PUT /v1/projects/*/routes': { ...applied, feature: 'search', recommendationId: null },
    });
    renderApp(PAGE);
    const table = await screen.findByRole('table', { name: 'Routes' });
    const header = within(table).getAllByRole('rowheader')[0];
    expect(header).toHaveTextContent('gpt-4o feature classify');
    expect(within(header).getByText('recommendation')).toHaveAttribute('title', `Applies recommendation ${applied.recommendationId}`);

    const form = await routeForm();
    await userEvent.type(within(form).getByLabelText('Model name'), 'gpt-4o');
    await userEvent.type(within(form).getByLabelText(/^Feature/), 'search');
    await userEvent.type(within(form).getByLabelText('Target model 1'), 'gpt-4o-mini');
    await userEvent.click(within(form).getByRole('button', { name: 'Save route' }));
    await vi.waitFor(() =>
      expect(puts(calls)).toEqual([{ model: 'gpt-4o', feature: 'search', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }]),
    );
  });
});
