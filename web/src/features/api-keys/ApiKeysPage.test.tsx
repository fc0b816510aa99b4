import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

const key = {
  id: 'k1',
  organizationId: ORG,
  projectId: PROJECT,
  name: 'production',
  prefix: 'llm_test_AbCd1234',
  scopes: ['ingest', 'read'],
  createdAt: '2026-12-01T00:00:00Z',
  createdBy: 'u1',
  expiresAt: null,
  revokedAt: null,
};

describe('API keys', () => {
  it('creates a key with scopes and an expiry and shows its secret once', async () => {
    let created = false;
    const calls = signedIn({
      'GET /v1/projects/*/api-keys': () => ({ data: created ? [key] : [] }),
      'POST /v1/projects/*/api-keys': () => {
        created = true;
        return { ...key, key: 'llm_test_AbCd1234secretsecretsecret0a1b2c' };
      },
    });
    renderApp(`/orgs/${ORG}/api-keys?project=${PROJECT}`);
    await userEvent.type(await screen.findByLabelText('Name'), 'production');
    await userEvent.click(screen.getByLabelText('read: costs and records of the project'));
    await userEvent.selectOptions(screen.getByLabelText('Expires'), '30');
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));

    expect(await screen.findByTestId('secret-value')).toHaveTextContent('llm_test_AbCd1234secretsecretsecret0a1b2c');
    expect(screen.getByText(/only time it is shown/)).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'Revoke production' })).toBeInTheDocument();
    const body = calls.find((c) => c.method === 'POST' && c.path.endsWith('/api-keys'))?.body as { scopes: string[]; expiresAt: string };
    expect(body.scopes).toEqual(['ingest', 'read']);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });
});
