import { useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { useAuth } from '../../shared/auth/AuthProvider';
import { ErrorNotice, Field } from '../../shared/ui/ui';
import { AuthForm, safeNext } from './AuthForm';

export default function SignupPage() {
  const { status, signUp } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  // From an invitation link: back to it after signing up.
  const next = safeNext(params.get('next'));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (status === 'signed-in' && !busy) return <Navigate to={next} replace />;

  return (
    <AuthForm
      title="Create your account"
      onSubmit={(form) => {
        setBusy(true);
        setError(null);
        const organizationName = String(form.get('organizationName') ?? '').trim();
        signUp({
          name: String(form.get('name')),
          email: String(form.get('email')),
          password: String(form.get('password')),
          ...(organizationName ? { organizationName } : {}),
        }).then(
          (answer) => navigate(next !== '/' ? next : `/orgs/${answer.organization.id}/overview`, { replace: true }),
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
      footer={
        <>
          Already have an account? <Link to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`}>Log in</Link>
        </>
      }
    >
      {error !== null && <ErrorNotice error={error} />}
      <Field label="Your name" name="name" autoComplete="name" required maxLength={100} />
      <Field label="Email" name="email" type="email" autoComplete="email" required maxLength={254} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        maxLength={256}
        hint="At least 12 characters."
      />
      <Field
        label="Organization name"
        name="organizationName"
        maxLength={100}
        placeholder="My organization"
        hint="Optional; you can rename it later."
      />
      <button className="btn btn-primary" type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create account'}
      </button>
    </AuthForm>
  );
}
