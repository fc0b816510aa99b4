import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { ApiError } from '../shared/api/problem';
import { AuthProvider } from '../shared/auth/AuthProvider';
import { createRouter } from './router';

/**
 * Server state is TanStack Query's: answers are fresh for 30 s, refetched in the background when a window regains
 * focus, and retried twice unless the API said no (a 4xx is an answer, not a glitch).
 */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
      },
    },
  });
}

export function App({ queryClient = createQueryClient(), router = createRouter() }) {
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </QueryClientProvider>
  );
}
