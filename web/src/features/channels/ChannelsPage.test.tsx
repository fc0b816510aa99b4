import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ORG, renderApp, signedIn } from '../../test-utils';

describe('channels', () => {
  it('adds a signed webhook, shows its signing secret once, and sends a test', async () => {
    const channel = {
      id: 'c1',
      organizationId: ORG,
      type: 'webhook',
      name: 'ops',
      description: 'https://hooks.example.com/…',
      createdAt: '2026-12-01T00:00:00Z',
    };
    let added = false;
    const calls = signedIn({
      'GET /v1/organizations/*/channels': () => ({ data: added ? [channel] : [] }),
      'POST /v1/organizations/*/channels': () => {
        added = true;
        return { ...channel, signingSecret: 'whsec_0123456789abcdef' };
      },
      'POST /v1/channels/*/test': { outcome: 'delivered', reason: null, httpStatus: 204, detail: null, durationMs: 12 },
    });
    renderApp(`/orgs/${ORG}/channels`);
    await userEvent.selectOptions(await screen.findByLabelText('Type'), 'webhook');
    expect(screen.getByText(/every request is signed/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Name'), 'ops');
    await userEvent.type(screen.getByLabelText('URL'), 'https://hooks.example.com/llmlab');
    await userEvent.click(screen.getByRole('button', { name: 'Add channel' }));
    expect(await screen.findByTestId('secret-value')).toHaveTextContent('whsec_0123456789abcdef');
    expect(calls.find((c) => c.method === 'POST' && c.path.endsWith('/channels'))?.body).toEqual({
      type: 'webhook',
      name: 'ops',
      config: { url: 'https://hooks.example.com/llmlab' },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Send a test' }));
    expect(await screen.findByText('Test delivered (HTTP 204) in 12 ms')).toBeInTheDocument();
  });
});
