import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { useMe } from '../api/tenancy';
import { ErrorNotice } from '../ui/ui';

/**
 * The reminder an unverified user sees on every page: their own organization works, joining another one needs the
 * address verified. The resend button asks for a new link (limited per hour: the 429 is shown as it comes).
 */
export function VerifyEmailBanner() {
  const me = useMe();
  const resend = useMutation({ mutationFn: async () => unwrap(await api.POST('/v1/auth/verify-email/resend')) });
  const user = me.data?.user;
  if (!user || user.emailVerified) return null;
  return (
    <section className="notice notice-warning verify-banner" aria-label="Email verification">
      <p>
        Please verify your email address: we sent a link to <strong>{user.email}</strong>. You need it to join other organizations.
      </p>
      <button type="button" className="btn btn-small" onClick={() => resend.mutate()} disabled={resend.isPending}>
        {resend.isPending ? 'Sending…' : 'Resend the link'}
      </button>
      <span role="status" className="muted">
        {resend.isSuccess ? 'A new link is on its way.' : ''}
      </span>
      {resend.isError && <ErrorNotice error={resend.error} />}
    </section>
  );
}
