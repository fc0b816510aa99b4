import { useQuery } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';

export type ReconciliationGroupBy = 'day' | 'model' | 'project';

export interface ReconciliationFilters {
  from: string;
  to: string;
  groupBy: ReconciliationGroupBy;
  provider?: string;
}

/** Billed against recorded for the organization: refetched every few minutes at most (it counts in the rate limit). */
export function useReconciliation(orgId: string, filters: ReconciliationFilters) {
  return useQuery({
    queryKey: ['reconciliation', orgId, filters],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/organizations/{orgId}/reconciliation', {
          params: {
            path: { orgId },
            query: {
              from: filters.from,
              to: filters.to,
              groupBy: filters.groupBy,
              ...(filters.provider ? { provider: filters.provider } : {}),
            },
          },
        }),
      ),
    refetchInterval: 300_000,
  });
}

export function useTokenReconciliation(orgId: string, filters: Omit<ReconciliationFilters, 'groupBy'>, enabled: boolean) {
  return useQuery({
    queryKey: ['reconciliation-tokens', orgId, filters],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/organizations/{orgId}/reconciliation/tokens', {
          params: {
            path: { orgId },
            query: { from: filters.from, to: filters.to, ...(filters.provider ? { provider: filters.provider } : {}) },
          },
        }),
      ),
    enabled,
  });
}

export function useReconciliationSettings(orgId: string) {
  return useQuery({
    queryKey: ['reconciliation-settings', orgId],
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/reconciliation-settings', { params: { path: { orgId } } })),
  });
}
