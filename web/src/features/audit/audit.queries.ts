import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';

/** Where the continuous verification of the event store stands, with the latest signed head. */
export function useAuditIntegrity() {
  return useQuery({
    queryKey: ['audit-integrity'],
    queryFn: async () => unwrap(await api.GET('/v1/audit/integrity')),
    refetchInterval: 30_000,
  });
}

export interface AuditFilters {
  actor?: string;
  type?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
  cursor?: string;
}

/** A page of the organization's audit log, newest first (each read is itself recorded, at most once a minute). */
export function useAuditEvents(orgId: string, filters: AuditFilters, enabled: boolean) {
  return useQuery({
    queryKey: ['audit-events', orgId, filters],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/organizations/{orgId}/audit/events', {
          params: { path: { orgId }, query: { limit: 50, ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) } },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** How long the organization keeps its usage detail (owners and admins). */
export function useUsageRetention(orgId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['usage-retention', orgId],
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/usage-retention', { params: { path: { orgId } } })),
    enabled,
  });
}

/** Sets it at the revision read (If-Match): a change made meanwhile by someone else is refused, not overwritten. */
export function useSetUsageRetention(orgId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ usageRetentionDays, revision }: { usageRetentionDays: number | null; revision: number }) =>
      unwrap(
        await api.PUT('/v1/organizations/{orgId}/usage-retention', {
          params: { path: { orgId }, header: { 'If-Match': `"${revision}"` } },
          body: { usageRetentionDays },
        }),
      ),
    onSuccess: (view) => queryClient.setQueryData(['usage-retention', orgId], view),
  });
}
