import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ORG, renderApp, signedIn } from '../../test-utils';

const head = {
  treeSize: 42,
  rootHash: 'ab'.repeat(32),
  timestamp: '2026-12-05T10:00:00.000Z',
  keyId: 'Zk3r0p7d9QmH1xYb',
  signature: 'c2ln',
};
const entry = (position: number, overrides: object = {}) => ({
  position,
  eventId: `0192f0c2-6a3e-7cc1-9f3a-${String(position).padStart(12, '0')}`,
  type: 'ProjectCreated',
  recordedAt: '2026-12-05T09:00:00.000Z',
  actor: { type: 'user', id: 'u1', name: 'Ada' },
  resource: { type: 'project', id: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51' },
  projectId: null,
  correlationId: 'req-1',
  ip: '203.0.113.7',
  userAgent: 'curl/8',
  summary: 'Project “checkout-bot” was created',
  changes: null,
  ...overrides,
});

describe('audit log page', () => {
  it('shows that the store verifies, the latest signed head, and the events, filtered from the URL', async () => {
    const calls = signedIn({
      'GET /v1/audit/integrity': {
        status: 'verified',
        treeSize: 42,
        verifiedThrough: 42,
        latestHead: head,
        lastFullVerificationAt: null,
        incident: null,
      },
      'GET /v1/organizations/*/audit/events': {
        data: [
          entry(41, {
            type: 'MemberRoleChanged',
            summary: "A member's role changed from member to admin",
            resource: { type: 'member', id: 'u2' },
            changes: [{ field: 'role', from: 'member', to: 'admin' }],
          }),
          entry(40, { actor: { type: 'api_key', id: '0192aaaa-0000-7000-8000-000000000000', name: null } }),
        ],
        nextCursor: 'older-1',
      },
    });
    renderApp(`/orgs/${ORG}/audit?type=MemberRoleChanged`);
    expect(await screen.findByText('Verified')).toBeInTheDocument();
    expect(screen.getByText(head.rootHash)).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Audit log' });
    expect(within(table).getByText("A member's role changed from member to admin")).toBeInTheDocument();
    expect(within(table).getByText('role: "member" → "admin"')).toBeInTheDocument();
    expect(within(table).getByText('Ada')).toBeInTheDocument();
    expect(within(table).getByText('API key …00000000')).toBeInTheDocument();
    expect(calls.find((c) => c.path.endsWith('/audit/events'))?.search).toContain('type=MemberRoleChanged');

    await userEvent.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(calls.some((c) => c.path.endsWith('/audit/events') && c.search.includes('cursor=older-1'))).toBe(true));
  });

  it('says so, loudly, when the verification found tampering', async () => {
    signedIn({
      'GET /v1/audit/integrity': {
        status: 'tampered',
        treeSize: 40,
        verifiedThrough: 40,
        latestHead: head,
        lastFullVerificationAt: '2026-12-05T09:00:00.000Z',
        incident: {
          position: 17,
          reason: 'signed_root_mismatch',
          detail: 'history was rewritten at or after event 17',
          detectedAt: '2026-12-05T09:30:00.000Z',
        },
      },
      'GET /v1/organizations/*/audit/events': { data: [], nextCursor: null },
    });
    renderApp(`/orgs/${ORG}/audit`);
    expect(await screen.findByText('Tampering found')).toBeInTheDocument();
    expect(screen.getByText(/Event 17: history was rewritten at or after event 17/)).toBeInTheDocument();
    expect(await screen.findByText('No events match.')).toBeInTheDocument();
  });

  it('sets how long usage detail is kept, at the revision it read, and shows a refusal next to the field', async () => {
    const calls = signedIn({
      'GET /v1/audit/integrity': {
        status: 'verified',
        treeSize: 1,
        verifiedThrough: 1,
        latestHead: head,
        lastFullVerificationAt: null,
        incident: null,
      },
      'GET /v1/organizations/*/audit/events': { data: [], nextCursor: null },
      'GET /v1/organizations/*/usage-retention': { organizationId: ORG, usageRetentionDays: null, revision: -1 },
      'PUT /v1/organizations/*/usage-retention': async (request: Request) => {
        const body = (await request.json()) as { usageRetentionDays: number | null };
        if (body.usageRetentionDays !== null && body.usageRetentionDays < 30) {
          return new Response(
            JSON.stringify({
              status: 400,
              code: 'VALIDATION_FAILED',
              title: 'Bad Request',
              detail: 'invalid',
              errors: [{ field: '/usageRetentionDays', message: 'must be an integer from 30 to 3650, or null' }],
            }),
            { status: 400, headers: { 'content-type': 'application/problem+json' } },
          );
        }
        return { organizationId: ORG, usageRetentionDays: body.usageRetentionDays, revision: 0 };
      },
    });
    renderApp(`/orgs/${ORG}/audit`);
    const form = await screen.findByRole('form', { name: 'Retention' });
    expect(screen.getByText('Kept forever')).toBeInTheDocument();
    const days = within(form).getByLabelText('Days to keep');

    await userEvent.type(days, '7');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('must be an integer from 30 to 3650, or null')).toBeInTheDocument();
    expect(days).toHaveAttribute('aria-invalid', 'true');

    await userEvent.clear(days);
    await userEvent.type(days, '90');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Kept 90 days')).toBeInTheDocument();
    const put = calls.filter((c) => c.method === 'PUT').at(-1)!;
    expect(put.body).toEqual({ usageRetentionDays: 90 });
    expect(put.headers.get('If-Match')).toBe('"-1"');
  }, 20_000);
});
