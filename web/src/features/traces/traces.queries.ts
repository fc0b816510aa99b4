import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { paths, Schemas } from '../../shared/api/schema';

export type TraceSummary = Schemas['TraceSummaryDto'];
export type TraceView = Schemas['TraceViewDto'];
export type TraceSpan = Schemas['TraceSpanDto'];
export type TraceFlag = Schemas['TraceFlagDto'];
export type FlagType = TraceFlag['type'];
export type SessionSummary = Schemas['SessionSummaryDto'];

export type TracesQuery = NonNullable<paths['/v1/projects/{projectId}/traces']['get']['parameters']['query']>;
export type SessionsQuery = NonNullable<paths['/v1/projects/{projectId}/sessions']['get']['parameters']['query']>;

export const traceKeys = {
  all: (projectId: string) => ['traces', projectId] as const,
  list: (projectId: string, query: TracesQuery) => [...traceKeys.all(projectId), 'list', query] as const,
  trace: (projectId: string, traceId: string) => [...traceKeys.all(projectId), 'trace', traceId] as const,
  sessions: (projectId: string, query: SessionsQuery) => [...traceKeys.all(projectId), 'sessions', query] as const,
  session: (projectId: string, sessionId: string) => [...traceKeys.all(projectId), 'session', sessionId] as const,
};

export function useTraces(projectId: string, query: TracesQuery) {
  return useQuery({
    queryKey: traceKeys.list(projectId, query),
    queryFn: async () => unwrap(await api.GET('/v1/projects/{projectId}/traces', { params: { path: { projectId }, query } })),
    placeholderData: keepPreviousData,
  });
}

export function useTrace(projectId: string, traceId: string) {
  return useQuery({
    queryKey: traceKeys.trace(projectId, traceId),
    queryFn: async () => unwrap(await api.GET('/v1/projects/{projectId}/traces/{traceId}', { params: { path: { projectId, traceId } } })),
    // A trace still receiving spans (not yet evaluated) grows: look again until its detectors ran.
    refetchInterval: (query) => (query.state.data && !query.state.data.complete ? 10_000 : false),
  });
}

export function useSessions(projectId: string, query: SessionsQuery) {
  return useQuery({
    queryKey: traceKeys.sessions(projectId, query),
    queryFn: async () => unwrap(await api.GET('/v1/projects/{projectId}/sessions', { params: { path: { projectId }, query } })),
    placeholderData: keepPreviousData,
  });
}

export function useSession(projectId: string, sessionId: string) {
  return useQuery({
    queryKey: traceKeys.session(projectId, sessionId),
    queryFn: async () =>
      unwrap(await api.GET('/v1/projects/{projectId}/sessions/{sessionId}', { params: { path: { projectId, sessionId } } })),
  });
}
