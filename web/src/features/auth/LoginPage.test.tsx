import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApi, ORG, renderApp, SESSION, signedIn } from '../../test-utils';

describe('logging in', () => {
  it('sends a signed-out visitor to the login form, then back to where they were going', async () => {
    let loggedIn = false;
    const signed = signedIn();
    const calls = mockApi({
      'POST /v1/auth/session/refresh': () => (loggedIn ? SESSION : new Response('{}', { status: 401 })),
      'POST /v1/auth/session/login': async (request: Request) => {
        const body = (await request.json()) as { password: string };
        if (body.password !== 'right password!')
          return new Response(JSON.stringify({ status: 401, code: 'UNAUTHENTICATED' }), { status: 401 });
        loggedIn = true;
        return SESSION;
      },
      'GET /v1/organizations/*/members': { data: [], invitations: [] },
      'GET *': () => new Response('{}', { status: 404 }),
    });
    void signed;
    const { router } = renderApp(`/orgs/${ORG}/members`);
    const email = await screen.findByLabelText('Email');
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent(`/orgs/${ORG}/members`)}`);

    await userEvent.type(email, 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password.');

    await userEvent.clear(screen.getByLabelText('Password'));
    await userEvent.type(screen.getByLabelText('Password'), 'right password!');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/orgs/${ORG}/members`));
    const login = calls.filter((c) => c.path === '/v1/auth/session/login');
    expect(login.at(-1)?.headers.get('x-llmlab-csrf')).toBe('1');
    expect(login.at(-1)?.body).toEqual({ email: 'ada@example.com', password: 'right password!' });
  });

  it('never follows ?next= off the dashboard', async () => {
    mockApi({
      'POST /v1/auth/session/refresh': new Response('{}', { status: 401 }),
      'POST /v1/auth/session/login': SESSION,
      'GET /v1/me': { type: 'user', memberships: [] },
    });
    const { router } = renderApp('/login?next=//evil.example/steal');
    await userEvent.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'pw');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/'));
  });
});
