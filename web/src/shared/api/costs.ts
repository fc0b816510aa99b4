import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Scope } from '../scope';
import { api } from './client';
import { unwrap } from './problem';
import type { Schemas } from './schema';

/** Cost queries of a project, or of the whole organization when no project is chosen. */
export interface BreakdownQuery {
  from: string;
  to: string;
  groupBy: string;
  splitBy?: 'provider' | 'model' | 'project';
  provider?: string;
  model?: string;
  limit?: number;
}

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;

export async function fetchSummary(scope: Scope, range: { from: string; to: string }): Promise<Schemas['CostSummaryDto']> {
  return scope.projectId
    ? unwrap(await api.GET('/v1/projects/{projectId}/costs/summary', { params: { path: { projectId: scope.projectId }, query: range } }))
    : unwrap(await api.GET('/v1/organizations/{orgId}/costs/summary', { params: { path: { orgId: scope.orgId }, query: range } }));
}

export async function fetchBreakdown(scope: Scope, query: BreakdownQuery): Promise<Schemas['CostBreakdownDto']> {
  const q = defined(query);
  if (scope.projectId) {
    const { splitBy, ...rest } = q;
    return unwrap(
      await api.GET('/v1/projects/{projectId}/costs/breakdown', {
        params: { path: { projectId: scope.projectId }, query: { ...rest, ...(splitBy && splitBy !== 'project' ? { splitBy } : {}) } },
      }),
    );
  }
  return unwrap(await api.GET('/v1/organizations/{orgId}/costs/breakdown', { params: { path: { orgId: scope.orgId }, query: q } }));
}

export const costKeys = {
  all: (scope: Scope) => ['costs', scope.orgId, scope.projectId ?? 'org'] as const,
  summary: (scope: Scope, range: { from: string; to: string }) => [...costKeys.all(scope), 'summary', range] as const,
  breakdown: (scope: Scope, query: BreakdownQuery) => [...costKeys.all(scope), 'breakdown', defined(query)] as const,
};

/** Background refresh of spend: every 2 minutes while the tab is visible (each refresh counts in the rate limit). */
export const SPEND_REFRESH_MS = 120_000;

export function useCostSummary(scope: Scope, range: { from: string; to: string }) {
  return useQuery({
    queryKey: costKeys.summary(scope, range),
    queryFn: () => fetchSummary(scope, range),
    refetchInterval: SPEND_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

export function useCostBreakdown(scope: Scope, query: BreakdownQuery, options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: costKeys.breakdown(scope, query),
    queryFn: () => fetchBreakdown(scope, query),
    refetchInterval: SPEND_REFRESH_MS,
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
  });
}
