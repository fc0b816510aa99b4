import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import { tenancyKeys } from '../../shared/api/tenancy';
import { useAuth } from '../../shared/auth/AuthProvider';
import { ErrorNotice } from '../../shared/ui/ui';
import { AuthForm } from './AuthForm';

/**
 * The landing page of the verification mail (`/verify-email?token=…`). The token is used only when the person
 * presses the button: a mail scanner that opens links must not use up the single-use token.
 */
export default function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { status } = useAuth();
  const queryClient = useQueryClient();
  const [state, setState] = useState<'idle' | 'busy' | 'done'>('idle');
  const [error, setError] = useState<unknown>(null);

  if (state === 'done') {
    return (
      <AuthForm title="Email address verified" onSubmit={() => undefined} footer={<Link to="/">Go to the dashboard</Link>}>
        <p role="status">Thank you: your email address is verified. You can now accept invitations to other organizations.</p>
      </AuthForm>
    );
  }
  return (
    <AuthForm
      title="Verify your email address"
      onSubmit={() => {
        setState('busy');
        setError(null);
        void api.POST('/v1/auth/verify-email', { body: { token } }).then(
          (result) => {
            try {
              unwrap(result);
              setState('done');
              if (status === 'signed-in') void queryClient.invalidateQueries({ queryKey: tenancyKeys.me });
            } catch (err) {
              setError(err);
              setState('idle');
            }
          },
          (err: unknown) => {
            setError(err);
            setState('idle');
          },
        );
      }}
      footer={
        <>
          The link works once. Expired? Log in and ask for a new one from the banner. <Link to="/">Dashboard</Link>
        </>
      }
    >
      {!token && <ErrorNotice error={new Error('This link has no token: open the link of the mail exactly as it was sent.')} />}
      {error !== null && <ErrorNotice error={error} />}
      <p>Confirm that you receive mail at the address of your LLMLab account.</p>
      <button className="btn btn-primary" type="submit" disabled={!token || state === 'busy'}>
        {state === 'busy' ? 'Verifying…' : 'Verify my email address'}
      </button>
    </AuthForm>
  );
}
