import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import type { Schemas } from '../api/schema';
import { Loading } from '../ui/ui';
import { csrfHeaders, endSession, hasSession, onSessionChange, refreshSession, setSession } from './session';

type Status = 'loading' | 'signed-in' | 'signed-out';

interface Auth {
  status: Status;
  signIn(body: Schemas['LoginDto']): Promise<void>;
  signUp(body: Schemas['SignupDto']): Promise<Schemas['BrowserSignupDto']>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>(hasSession() ? 'signed-in' : 'loading');

  useEffect(() => {
    const stop = onSessionChange((signedIn) => setStatus(signedIn ? 'signed-in' : 'signed-out'));
    // A reload has no access token: the session cookie, if any, gets one.
    if (!hasSession()) void refreshSession().then((token) => setStatus(token ? 'signed-in' : 'signed-out'));
    return stop;
  }, []);

  const auth = useMemo<Auth>(
    () => ({
      status,
      async signIn(body) {
        setSession(unwrap(await api.POST('/v1/auth/session/login', { body, params: { header: csrfHeaders } })));
      },
      async signUp(body) {
        const answer = unwrap(await api.POST('/v1/auth/session/signup', { body, params: { header: csrfHeaders } }));
        setSession(answer);
        return answer;
      },
      async signOut() {
        await endSession();
        queryClient.clear();
      },
    }),
    [status, queryClient],
  );
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** Pages behind a session: a signed-out visitor goes to the login page and comes back after it. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <Loading label="Signing in" />;
  if (status === 'signed-out') {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}
