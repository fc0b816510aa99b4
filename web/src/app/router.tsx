import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { RequireAuth } from '../shared/auth/AuthProvider';
import { AppLayout } from './AppLayout';
import { HomeRedirect, NotFound } from '../shared/layout/Redirects';
import { Loading } from '../shared/ui/ui';
import { PAGES } from './pages';

/** Shown while the first page's chunk loads. */
const HydrateFallback = () => <Loading />;

export const routes: RouteObject[] = [
  { path: '/login', HydrateFallback, lazy: async () => ({ Component: (await import('../features/auth/LoginPage')).default }) },
  { path: '/signup', HydrateFallback, lazy: async () => ({ Component: (await import('../features/auth/SignupPage')).default }) },
  {
    path: '/verify-email',
    HydrateFallback,
    lazy: async () => ({ Component: (await import('../features/auth/VerifyEmailPage')).default }),
  },
  {
    path: '/invitations/accept',
    HydrateFallback,
    lazy: async () => {
      const { default: AcceptInvitationPage } = await import('../features/invitations/AcceptInvitationPage');
      return {
        Component: () => (
          <RequireAuth>
            <AcceptInvitationPage />
          </RequireAuth>
        ),
      };
    },
  },
  {
    path: '/',
    element: (
      <RequireAuth>
        <HomeRedirect />
      </RequireAuth>
    ),
  },
  {
    path: '/orgs/:orgId',
    HydrateFallback,
    element: (
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <Navigate to="overview" replace /> },
      ...PAGES.map((page) => ({
        path: page.path,
        handle: { page },
        lazy: async () => ({ Component: (await page.load()).default }),
      })),
      { path: '*', element: <NotFound /> },
    ],
  },
  { path: '*', element: <NotFound /> },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
