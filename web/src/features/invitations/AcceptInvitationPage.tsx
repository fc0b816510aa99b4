import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import { tenancyKeys, useMe } from '../../shared/api/tenancy';
import { ErrorNotice } from '../../shared/ui/ui';
import { AuthForm } from '../auth/AuthForm';

/**
 * The landing page of an invitation mail (`/invitations/accept?token=…`), signed in (the router sends a signed-out
 * visitor to log in or sign up first, and back here). Joining takes the press of a button, with the mailed token.
 */
export default function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  return (
    <AuthForm
      title="Join an organization"
      onSubmit={() => {
        setBusy(true);
        setError(null);
        void api
          .POST('/v1/invitations/accept', { body: { token } })
          .then(unwrap)
          .then(async (joined) => {
            await Promise.all([
              queryClient.invalidateQueries({ queryKey: tenancyKeys.me }),
              queryClient.invalidateQueries({ queryKey: tenancyKeys.organizations }),
            ]);
            await navigate(`/orgs/${joined.organizationId}/overview`, { replace: true });
          })
          .catch((err: unknown) => {
            setBusy(false);
            setError(err);
          });
      }}
      footer={<Link to="/">Not now: go to the dashboard</Link>}
    >
      {!token && <ErrorNotice error={new Error('This link has no token: open the link of the mail exactly as it was sent.')} />}
      {error !== null && <ErrorNotice error={error} />}
      <p>
        You were invited to an organization on LLMLab. Accept as <strong>{me.data?.user?.email ?? '…'}</strong>? An account with another
        address than the invited one needs a verified address.
      </p>
      <button className="btn btn-primary" type="submit" disabled={!token || busy}>
        {busy ? 'Joining…' : 'Accept the invitation'}
      </button>
    </AuthForm>
  );
}
