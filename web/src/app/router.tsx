import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { RequireAuth } from '../shared/auth/AuthProvider';
import { AppLayout } from './AppLayout';
import { HomeRedirect, NotFound } from '../shared/layout/Redirects';
import { PAGES } from './pages';

export const routes: RouteObject[] = [
  { path: '/login', lazy: async () => ({ Component: (await import('../features/auth/LoginPage')).default }) },
  { path: '/signup', lazy: async () => ({ Component: (await import('../features/auth/SignupPage')).default }) },
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
