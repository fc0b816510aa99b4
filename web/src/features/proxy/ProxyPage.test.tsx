import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

const openaiKey = {
  provider: 'openai',
  baseUrl: null,
  keyHint: 'x9Qa',
  storedAt: '2026-12-04T07:30:00.000Z',
  storedBy: 'user:u1',
};
const anthropicKey = {
  provider: 'anthropic',
  baseUrl: 'https://llm-gateway.example.com/anthropic',
  keyHint: 'Zz12',
  storedAt: '2026-12-01T09:00:00.000Z',
  storedBy: 'user:u1',
};
const problem = (status: number, body: object) =>
  new Response(JSON.stringify({ status, ...body }), { status, headers: { 'content-type': 'application/problem+json' } });
const created = (body: object) => new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } });
const PAGE = `/orgs/${ORG}/proxy?project=${PROJECT}`;

describe('proxy', () => {
  it('explains how to point a client at the proxy and lists the stored keys by their hint', async () => {
    signedIn({ 'GET /v1/projects/*/provider-keys': [openaiKey, anthropicKey], 'GET /v1/projects/*/routes': [] });
    renderApp(PAGE);
    const table = await screen.findByRole('table', { name: 'Stored provider keys' });
    const rows = within(table).getAllByRole('row');
    expect(
      rows.map((r) =>
        within(r)
          .queryAllByRole('cell')
          .map((c) => c.textContent),
      ),
    ).toEqual([
      [],
      ['••••x9Qa', 'default', '4 Dec 2026, 07:30 UTC', 'Remove'],
      ['••••Zz12', 'https://llm-gateway.example.com/anthropic', '1 Dec 2026, 09:00 UTC', 'Remove'],
    ]);
    expect(within(rows[1]).getByRole('rowheader')).toHaveTextContent('OpenAI');
    expect(screen.getByLabelText('TypeScript (openai)')).toHaveTextContent("baseURL: 'http://localhost:3000/proxy/openai/v1'");
    expect(screen.getByLabelText('Python (openai)')).toHaveTextContent('base_url="http://localhost:3000/proxy/openai/v1"');
    expect(screen.getByLabelText('Python (anthropic)')).toHaveTextContent('base_url="http://localhost:3000/proxy/anthropic"');
    expect(screen.getByText(/Optional headers are recorded/)).toHaveTextContent('X-LLMLab-Tags: feature=search');
    expect(screen.getByText('http://localhost:3000/proxy/anthropic')).toBeInTheDocument();
    const connect = screen.getByRole('region', { name: 'Connect a client' });
    expect(within(connect).getByRole('link', { name: 'API keys' })).toHaveAttribute('href', `/orgs/${ORG}/api-keys?project=${PROJECT}`);
  });

  it('says what callers must send when no key is stored', async () => {
    signedIn({ 'GET /v1/projects/*/provider-keys': [], 'GET /v1/projects/*/routes': [] });
    renderApp(PAGE);
    expect(
      await screen.findByText(
        'No provider key stored: callers must send their own provider key in its usual header and their LLMLab key in X-LLMLab-Key.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Store key' })).toBeInTheDocument();
  });

  it('stores a key: the refused base URL is shown beside its field, then the form is cleared and the key never shown', async () => {
    let stored = false;
    let attempts = 0;
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': () => (stored ? [openaiKey] : []),
      'GET /v1/projects/*/routes': [],
      'POST /v1/projects/*/provider-keys': () => {
        attempts += 1;
        if (attempts === 1) {
          return problem(400, {
            code: 'PROXY_PROVIDER_KEY_INVALID',
            title: 'Bad Request',
            detail: '/baseUrl: must not be a private address',
            errors: [{ field: '/baseUrl', message: 'must not be a private address' }],
          });
        }
        stored = true;
        return created(openaiKey);
      },
    });
    renderApp(PAGE);
    const form = await screen.findByRole('form', { name: 'Store a provider key' });
    await userEvent.type(within(form).getByLabelText('Provider API key'), 'sk-proj-secret-x9Qa');
    await userEvent.type(within(form).getByLabelText('Base URL (optional)'), 'http://10.0.0.1/v1');
    await userEvent.click(within(form).getByRole('button', { name: 'Store key' }));

    const baseUrl = within(form).getByLabelText('Base URL (optional)');
    await vi.waitFor(() => expect(baseUrl).toHaveAttribute('aria-invalid', 'true'));
    expect(baseUrl).toHaveAccessibleDescription(expect.stringContaining('must not be a private address'));
    expect(within(form).getByLabelText('Provider API key')).not.toHaveAttribute('aria-invalid');
    // Named beside its field only: no notice repeats it.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    await userEvent.clear(baseUrl);
    await userEvent.click(within(form).getByRole('button', { name: 'Store key' }));
    expect(await screen.findByText('OpenAI key ending in x9Qa stored.')).toBeInTheDocument();
    expect(await screen.findByRole('table', { name: 'Stored provider keys' })).toHaveTextContent('••••x9Qa');
    expect(within(form).getByLabelText('Provider API key')).toHaveValue('');
    expect(baseUrl).not.toHaveAttribute('aria-invalid');
    expect(document.body).not.toHaveTextContent('sk-proj-secret-x9Qa');
    const posts = calls.filter((c) => c.method === 'POST' && c.path === `/v1/projects/${PROJECT}/provider-keys`);
    expect(posts.map((c) => c.body)).toEqual([
      { provider: 'openai', key: 'sk-proj-secret-x9Qa', baseUrl: 'http://10.0.0.1/v1' },
      // An empty base URL is not sent: the provider's default.
      { provider: 'openai', key: 'sk-proj-secret-x9Qa' },
    ]);
  });

  it('offers to replace the key of a provider that has one', async () => {
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': [openaiKey],
      'GET /v1/projects/*/routes': [],
      'POST /v1/projects/*/provider-keys': () => created({ ...openaiKey, keyHint: 'n3w1' }),
    });
    renderApp(PAGE);
    const form = await screen.findByRole('form', { name: 'Store a provider key' });
    expect(within(form).getByRole('button', { name: 'Replace key' })).toBeInTheDocument();
    expect(screen.getByText(/storing replaces it and its base URL/)).toBeInTheDocument();

    await userEvent.selectOptions(within(form).getByLabelText('Provider'), 'anthropic');
    expect(within(form).getByRole('button', { name: 'Store key' })).toBeInTheDocument();
    await userEvent.selectOptions(within(form).getByLabelText('Provider'), 'openai');
    await userEvent.type(within(form).getByLabelText('Provider API key'), 'sk-proj-newer-n3w1');
    await userEvent.click(within(form).getByRole('button', { name: 'Replace key' }));
    expect(await screen.findByText('OpenAI key ending in n3w1 stored.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST' && c.path.endsWith('/provider-keys'))?.body).toEqual({
      provider: 'openai',
      key: 'sk-proj-newer-n3w1',
    });
  });

  it('removes a key once confirmed', async () => {
    let removed = false;
    const calls = signedIn({
      'GET /v1/projects/*/provider-keys': () => (removed ? [] : [openaiKey]),
      'GET /v1/projects/*/routes': [],
      'DELETE /v1/projects/*/provider-keys/*': () => {
        removed = true;
        return new Response(null, { status: 204 });
      },
    });
    const confirm = vi.spyOn(window, 'confirm');
    renderApp(PAGE);
    const remove = await screen.findByRole('button', { name: 'Remove the OpenAI key' });
    confirm.mockReturnValueOnce(false);
    await userEvent.click(remove);
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    confirm.mockReturnValueOnce(true);
    await userEvent.click(remove);
    expect(confirm).toHaveBeenLastCalledWith(expect.stringContaining('Remove the stored OpenAI key (••••x9Qa)?'));
    expect(await screen.findByText(/No provider key stored/)).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/v1/projects/${PROJECT}/provider-keys/openai`);
    confirm.mockRestore();
  });

  it('tells a member that only admins manage provider keys and routes, and asks the API for none', async () => {
    const calls = signedIn({
      'GET /v1/organizations': {
        data: [{ id: ORG, name: 'Acme', role: 'member', createdAt: '2026-12-01T00:00:00Z', rateLimits: {}, revision: 0 }],
      },
    });
    renderApp(PAGE);
    expect(await screen.findByText("Only admins and owners see and manage the proxy's provider keys and routes.")).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Connect a client' })).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Store a provider key' })).not.toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Set a route' })).not.toBeInTheDocument();
    expect(calls.filter((c) => c.path.includes('/provider-keys') || c.path.includes('/routes'))).toEqual([]);
  });
});
