import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { api } from '../../shared/api/client';
import { costKeys, fetchSummary } from '../../shared/api/costs';
import { unwrap } from '../../shared/api/problem';
import { addDays, startOfNextUtcMonth, startOfUtcDay, startOfUtcMonth } from '../../shared/dates';
import type { Scope } from '../../shared/scope';

/** The overview's windows: month to date (and the forecast to its end), and the last 30 UTC days for the chart. */
export function useOverviewWindows() {
  // One minute granularity keeps the query keys (and so the cache) stable across renders.
  const minute = Math.ceil(Date.now() / 60_000) * 60_000;
  return useMemo(() => {
    const now = new Date(minute);
    const today = startOfUtcDay(now);
    return {
      now,
      monthStart: startOfUtcMonth(now),
      monthEnd: startOfNextUtcMonth(now),
      chartFrom: addDays(today, -29),
      to: now,
    };
  }, [minute]);
}

const EVER = '2000-01-01T00:00:00Z';

/**
 * Whether the project or organization ever received usage. While it has none, asked again every 3 s for two minutes,
 * then every 15 s: the overview turns from the getting-started steps into the real one as soon as an event is visible.
 */
export function useHasUsage(scope: Scope, enabled: boolean) {
  const queryClient = useQueryClient();
  const since = useRef(Date.now());
  const query = useQuery({
    queryKey: [...costKeys.all(scope), 'ever'],
    enabled,
    queryFn: async () => {
      if (scope.projectId) {
        const page = unwrap(
          await api.GET('/v1/projects/{projectId}/usage', {
            params: { path: { projectId: scope.projectId }, query: { from: EVER, limit: 1 } },
          }),
        );
        return page.data.length > 0;
      }
      return (await fetchSummary(scope, { from: EVER, to: new Date(Date.now() + 60_000).toISOString() })).current.requests > 0;
    },
    refetchInterval: (q) => (q.state.data ? false : Date.now() - since.current < 120_000 ? 3_000 : 15_000),
  });
  useEffect(() => {
    if (query.data) void queryClient.invalidateQueries({ queryKey: costKeys.all(scope) });
  }, [query.data, queryClient]); // eslint-disable-line react-hooks/exhaustive-deps
  return query;
}

/** The month-end forecast of the project or organization (the recommendations service's, with its intervals). */
export function useForecast(scope: Scope) {
  return useQuery({
    queryKey: ['forecast', scope.orgId, scope.projectId],
    queryFn: async () =>
      unwrap(
        scope.projectId
          ? await api.GET('/v1/projects/{projectId}/forecast', { params: { path: { projectId: scope.projectId } } })
          : await api.GET('/v1/organizations/{orgId}/forecast', { params: { path: { orgId: scope.orgId } } }),
      ),
    refetchInterval: 5 * 60_000,
  });
}
