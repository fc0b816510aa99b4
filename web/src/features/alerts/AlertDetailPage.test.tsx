import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ORG, renderApp, signedIn } from '../../test-utils';

const ALERT_ID = '0192f3a1-0000-7000-8000-0000000000a1';
const detectedAt = '2026-12-05T09:14:58.120Z';

describe('alert detail', () => {
  it('shows where the audit service found the event store changed, says who closes it, and acknowledges', async () => {
    let state = 'firing';
    const alert = () => ({
      id: ALERT_ID,
      organizationId: ORG,
      kind: 'audit_integrity',
      state,
      budgetId: null,
      scope: { type: 'organization', description: 'organization Acme' },
      firedAt: '2026-12-05T09:15:00.000Z',
      acknowledgedAt: state === 'acknowledged' ? '2026-12-05T09:20:00.000Z' : null,
      acknowledgedBy: state === 'acknowledged' ? 'user:u1' : null,
      resolvedAt: null,
      resolution: null,
      revision: state === 'acknowledged' ? 1 : 0,
      notification: {
        kind: 'audit_integrity',
        alertId: ALERT_ID,
        organization: { id: ORG, name: 'Acme' },
        scope: { type: 'organization', description: 'organization Acme' },
        period: { unit: 'window', start: detectedAt, end: detectedAt, timeZone: 'UTC' },
        link: `https://app.llmlab.test/orgs/${ORG}/alerts/${ALERT_ID}`,
        firedAt: '2026-12-05T09:15:00.000Z',
        position: 1042,
        reason: 'anchor_changed',
        detail: 'event 1042 is no longer the event the audit tree recorded: the store was rewritten from there on',
        detectedAt,
      },
    });
    const calls = signedIn({
      'GET /v1/alerts/*': () => alert(),
      'GET /v1/alerts/*/deliveries': { data: [] },
      'POST /v1/alerts/*/acknowledge': () => {
        state = 'acknowledged';
        return alert();
      },
    });
    renderApp(`/orgs/${ORG}/alerts/${ALERT_ID}`);

    expect(await screen.findByRole('heading', { name: 'Audit log tampering: organization Acme' })).toBeInTheDocument();
    expect(screen.getByText('Position').nextSibling).toHaveTextContent('1042');
    expect(screen.getByText('Check failed').nextSibling).toHaveTextContent(
      'anchor_changed: event 1042 is no longer the event the audit tree recorded',
    );
    expect(screen.getByText('Detected').nextSibling).toHaveTextContent('UTC');
    expect(screen.queryByText('Period')).not.toBeInTheDocument();
    expect(screen.getByText(/never resolved by itself/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'audit log' })).toHaveAttribute('href', `/orgs/${ORG}/audit`);

    await userEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    expect(await screen.findByText('acknowledged')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST' && c.path === `/v1/alerts/${ALERT_ID}/acknowledge`)).toBe(true);
  });
});
