import { useEffect, useRef } from 'react';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';

export type Connection = Schemas['ConnectionDto'];
export type SyncRun = Schemas['SyncRunDto'];

export const providerKeys = {
  connections: (orgId: string) => ['providers', orgId] as const,
  runs: (connectionId: string) => ['provider-runs', connectionId] as const,
};

/** While a run is going, its counts move: poll until none is running, then stop (polls count in the rate limit). */
const POLL_WHILE_RUNNING_MS = 2_000;
const pollWhileRunning = (runs: SyncRun[] | undefined) => (runs?.some((r) => r.status === 'running') ? POLL_WHILE_RUNNING_MS : false);

export function useConnections(orgId: string, enabled: boolean) {
  return useQuery({
    queryKey: providerKeys.connections(orgId),
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/providers', { params: { path: { orgId } } })),
    enabled,
  });
}

async function fetchRuns(connectionId: string) {
  return unwrap(await api.GET('/v1/providers/{connectionId}/runs', { params: { path: { connectionId } } }));
}

export function useRuns(connectionId: string) {
  return useQuery({
    queryKey: providerKeys.runs(connectionId),
    queryFn: () => fetchRuns(connectionId),
    refetchInterval: (query) => pollWhileRunning(query.state.data),
  });
}

/** What a finished run changes: the connection's watermark, the imported bills and the reconciliation made from them. */
const IMPORT_KEYS = ['providers', 'provider-costs', 'reconciliation', 'reconciliation-tokens'];

/**
 * The latest run of each connection, for the list (the same cache entries as each connection's runs): `undefined`
 * while loading, `null` when it never ran. When a run is seen over that was running, or a new one appears already
 * over (a short sync can finish between two polls), what it imported is refetched.
 */
export function useLatestRuns(connections: readonly Connection[]) {
  const queryClient = useQueryClient();
  const seen = useRef(new Map<string, SyncRun | null>());
  const latest = useQueries({
    queries: connections.map((c) => ({
      queryKey: providerKeys.runs(c.connectionId),
      queryFn: () => fetchRuns(c.connectionId),
      refetchInterval: (query: { state: { data: SyncRun[] | undefined } }) => pollWhileRunning(query.state.data),
    })),
    combine: (results) =>
      new Map(connections.map((c, i) => [c.connectionId, results[i]?.data === undefined ? undefined : (results[i].data[0] ?? null)])),
  });
  useEffect(() => {
    let finished = false;
    for (const [connectionId, run] of latest) {
      if (run === undefined) continue;
      const known = seen.current.has(connectionId);
      const before = seen.current.get(connectionId);
      seen.current.set(connectionId, run);
      if (known && run && run.status !== 'running' && (before?.runId !== run.runId || before.status === 'running')) finished = true;
    }
    if (finished) for (const key of IMPORT_KEYS) void queryClient.invalidateQueries({ queryKey: [key] });
  }, [latest, queryClient]);
  return latest;
}

export function useImportedCosts(orgId: string, range: { from: string; to: string }) {
  return useQuery({
    queryKey: ['provider-costs', orgId, range],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/organizations/{orgId}/provider-costs', {
          params: { path: { orgId }, query: { ...range, groupBy: 'provider' } },
        }),
      ),
  });
}

export function useRegisterConnection(orgId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['RegisterConnectionDto']) =>
      unwrap(await api.POST('/v1/organizations/{orgId}/providers', { params: { path: { orgId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: providerKeys.connections(orgId) }),
  });
}

export function useUpdateConnection(orgId: string, connectionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['UpdateConnectionDto']) =>
      unwrap(await api.PATCH('/v1/providers/{connectionId}', { params: { path: { connectionId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: providerKeys.connections(orgId) }),
  });
}

export function useRemoveConnection(orgId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (connectionId: string) =>
      unwrap(await api.DELETE('/v1/providers/{connectionId}', { params: { path: { connectionId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: providerKeys.connections(orgId) }),
  });
}

export function useStartSync(connectionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['StartSyncDto']) =>
      unwrap(await api.POST('/v1/providers/{connectionId}/sync', { params: { path: { connectionId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: providerKeys.runs(connectionId) }),
  });
}

/** Checks the stored key with the provider now; changes nothing, so nothing is invalidated. */
export function useTestConnection(connectionId: string) {
  return useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/providers/{connectionId}/test', { params: { path: { connectionId } } })),
  });
}
