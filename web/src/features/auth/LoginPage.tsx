import { useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../../shared/api/problem';
import { useAuth } from '../../shared/auth/AuthProvider';
import { ErrorNotice, Field } from '../../shared/ui/ui';
import { AuthForm, safeNext } from './AuthForm';

export default function LoginPage() {
  const { status, signIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  if (status === 'signed-in' && !busy) return <Navigate to={next} replace />;

  return (
    <AuthForm
      title="Log in"
      onSubmit={(form) => {
        setBusy(true);
        setError(null);
        signIn({ email: String(form.get('email')), password: String(form.get('password')) }).then(
          () => navigate(next, { replace: true }),
          (err: unknown) => {
            setBusy(false);
            setError(err instanceof ApiError && err.status === 401 ? new Error('Wrong email or password.') : err);
          },
        );
      }}
      footer={
        <>
          New here? <Link to={next === '/' ? '/signup' : `/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
        </>
      }
    >
      {error !== null && <ErrorNotice error={error} />}
      <Field label="Email" name="email" type="email" autoComplete="email" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <button className="btn btn-primary" type="submit" disabled={busy}>
        {busy ? 'Logging in…' : 'Log in'}
      </button>
    </AuthForm>
  );
}
