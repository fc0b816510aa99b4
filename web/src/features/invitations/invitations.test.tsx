import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApi, ORG, renderApp, signedIn } from '../../test-utils';

const OTHER_ORG = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f99';
const INVITATION = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f77';
const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ status, code, title: code, detail }), { status, headers: { 'content-type': 'application/problem+json' } });
const unverifiedMe = {
  type: 'user',
  user: { id: 'u1', email: 'ada@example.com', name: 'Ada', createdAt: '2026-12-01T00:00:00Z', emailVerified: false },
  memberships: [{ organizationId: ORG, organizationName: 'Acme', role: 'owner' }],
};

describe('members are invited, never added', () => {
  it('mails an invitation, lists it as pending, and revokes it by its id', async () => {
    const pending = {
      invitationId: INVITATION,
      email: 'grace@example.com',
      role: 'admin',
      invitedBy: 'u1',
      invitedAt: '2026-12-04T10:00:00Z',
    };
    let invited = false;
    const calls = signedIn({
      'GET /v1/organizations/*/members': () => ({
        data: [{ userId: 'u1', email: 'ada@example.com', name: 'Ada', role: 'owner', joinedAt: '2026-12-01T00:00:00Z' }],
        invitations: invited ? [pending] : [],
      }),
      'POST /v1/organizations/*/invitations': () => {
        invited = true;
        return new Response(JSON.stringify(pending), { status: 201, headers: { 'content-type': 'application/json' } });
      },
      'DELETE /v1/organizations/*/invitations/*': () => {
        invited = false;
        return new Response(null, { status: 204 });
      },
    });
    renderApp(`/orgs/${ORG}/members`);
    await userEvent.type(await screen.findByLabelText('Email'), 'grace@example.com');
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'admin');
    await userEvent.click(screen.getByRole('button', { name: 'Invite' }));
    expect(await screen.findByText(/Invitation mailed to grace@example.com/)).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST' && c.path === `/v1/organizations/${ORG}/invitations`)?.body).toEqual({
      email: 'grace@example.com',
      role: 'admin',
    });
    expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/members'))).toBe(false);

    const list = await screen.findByRole('region', { name: 'Pending invitations' });
    expect(within(list).getByText('grace@example.com')).toBeInTheDocument();
    await userEvent.click(within(list).getByRole('button', { name: 'Revoke the invitation of grace@example.com' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Pending invitations' })).not.toBeInTheDocument());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === `/v1/organizations/${ORG}/invitations/${INVITATION}`)).toBe(true);
  });
});

describe('accepting an invitation', () => {
  it('joins with the token of the link and lands in the new organization', async () => {
    const calls = signedIn({
      'POST /v1/invitations/accept': { organizationId: OTHER_ORG, organizationName: 'Victim Corp', role: 'admin' },
    });
    const { router } = renderApp('/invitations/accept?token=tok-123');
    await userEvent.click(await screen.findByRole('button', { name: 'Accept the invitation' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/orgs/${OTHER_ORG}/overview`));
    expect(calls.find((c) => c.path === '/v1/invitations/accept')?.body).toEqual({ token: 'tok-123' });
  });

  it('says why it was refused', async () => {
    signedIn({
      'POST /v1/invitations/accept': problem(403, 'EMAIL_NOT_VERIFIED', 'verify the address of your account before joining'),
    });
    renderApp('/invitations/accept?token=tok-123');
    await userEvent.click(await screen.findByRole('button', { name: 'Accept the invitation' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/verify the address/);
  });

  it('sends a signed-out visitor to log in (or sign up) first, then back to the link', async () => {
    mockApi({ 'POST /v1/auth/session/refresh': new Response('{}', { status: 401 }) });
    const { router } = renderApp('/invitations/accept?token=tok-123');
    await screen.findByRole('button', { name: 'Log in' });
    const next = encodeURIComponent('/invitations/accept?token=tok-123');
    expect(router.state.location.pathname + router.state.location.search).toBe(`/login?next=${next}`);
    expect(screen.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', `/signup?next=${next}`);
  });
});

describe('email verification', () => {
  it('verifies with the token of the link when asked, not on opening', async () => {
    const calls = mockApi({
      'POST /v1/auth/session/refresh': new Response('{}', { status: 401 }),
      'POST /v1/auth/verify-email': new Response(null, { status: 204 }),
    });
    renderApp('/verify-email?token=tok-456');
    const button = await screen.findByRole('button', { name: 'Verify my email address' });
    expect(calls.some((c) => c.path === '/v1/auth/verify-email')).toBe(false);
    await userEvent.click(button);
    expect(await screen.findByRole('status')).toHaveTextContent('your email address is verified');
    expect(calls.find((c) => c.path === '/v1/auth/verify-email')?.body).toEqual({ token: 'tok-456' });
  });

  it('shows a used or expired link as an error', async () => {
    mockApi({
      'POST /v1/auth/session/refresh': new Response('{}', { status: 401 }),
      'POST /v1/auth/verify-email': problem(400, 'EMAIL_VERIFICATION_TOKEN_INVALID', 'this verification link is not valid (any more)'),
    });
    renderApp('/verify-email?token=used');
    await userEvent.click(await screen.findByRole('button', { name: 'Verify my email address' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('not valid');
  });

  it('reminds an unverified user on every page and resends the link, showing the limit', async () => {
    let resends = 0;
    const calls = signedIn({
      'GET /v1/me': unverifiedMe,
      'GET /v1/organizations/*/members': { data: [], invitations: [] },
      'POST /v1/auth/verify-email/resend': () =>
        ++resends === 1
          ? new Response(null, { status: 202 })
          : problem(429, 'VERIFICATION_RESEND_THROTTLED', 'too many verification mails'),
    });
    renderApp(`/orgs/${ORG}/members`);
    const banner = await screen.findByRole('region', { name: 'Email verification' });
    expect(banner).toHaveTextContent('ada@example.com');
    await userEvent.click(within(banner).getByRole('button', { name: 'Resend the link' }));
    expect(await within(banner).findByText('A new link is on its way.')).toBeInTheDocument();
    await userEvent.click(within(banner).getByRole('button', { name: 'Resend the link' }));
    expect(await within(banner).findByRole('alert')).toHaveTextContent('too many verification mails');
    expect(calls.filter((c) => c.path === '/v1/auth/verify-email/resend')).toHaveLength(2);
  });

  it('shows no reminder once verified', async () => {
    signedIn({ 'GET /v1/organizations/*/members': { data: [], invitations: [] } });
    renderApp(`/orgs/${ORG}/members`);
    await screen.findByRole('heading', { name: 'Members and roles' });
    expect(screen.queryByRole('region', { name: 'Email verification' })).not.toBeInTheDocument();
  });
});
