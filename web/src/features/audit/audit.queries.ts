import { useQuery } from '@tanstack/react-query';
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
