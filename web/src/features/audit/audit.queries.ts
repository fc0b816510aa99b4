import { keepPreviousData, useQuery } from '@tanstack/react-query';
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
