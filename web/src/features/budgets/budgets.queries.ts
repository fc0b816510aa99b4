import { useQuery } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';

/** The organization's budgets with their live spend and forecast (computed by the alerts service when read). */
export function useBudgets(orgId: string) {
  return useQuery({
    queryKey: ['budgets', orgId],
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/budgets', { params: { path: { orgId } } })).data,
    refetchInterval: 120_000,
  });
}
