import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { presetRange } from '../../shared/dates';
import { PROXY_PROVIDERS, type ProxyProvider } from '../../../../contracts/src/proxy/proxy-providers';

export type ProviderKey = Schemas['ProviderKeyDto'];
export type Provider = ProviderKey['provider'];

/** The proxy's providers as people write them: the contracts' own table, which the OpenAPI enum is made from. */
export const PROVIDER_NAMES: Record<Provider, string> = Object.fromEntries(
  Object.entries(PROXY_PROVIDERS).map(([id, info]) => [id, info.name]),
) as Record<ProxyProvider, string>;

export const PROVIDER_OPTIONS = (Object.keys(PROVIDER_NAMES) as Provider[]).map((value) => ({ value, label: PROVIDER_NAMES[value] }));

export const proxyKeys = {
  providerKeys: (projectId: string) => ['provider-keys', projectId] as const,
  routes: (projectId: string) => ['proxy-routes', projectId] as const,
  routeTraffic: (projectId: string) => ['proxy-route-traffic', projectId] as const,
};

/** The project's stored provider keys: never the keys, their last 4 characters. */
export function useProviderKeys(projectId: string) {
  return useQuery({
    queryKey: proxyKeys.providerKeys(projectId),
    queryFn: async () => unwrap(await api.GET('/v1/projects/{projectId}/provider-keys', { params: { path: { projectId } } })),
  });
}

/** Stores (or replaces) the project's key for a provider. */
export function useStoreProviderKey(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['StoreProviderKeyDto']) =>
      unwrap(await api.POST('/v1/projects/{projectId}/provider-keys', { params: { path: { projectId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: proxyKeys.providerKeys(projectId) }),
  });
}

export function useRemoveProviderKey(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (provider: Provider) =>
      unwrap(await api.DELETE('/v1/projects/{projectId}/provider-keys/{provider}', { params: { path: { projectId, provider } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: proxyKeys.providerKeys(projectId) }),
  });
}

export type Route = Schemas['RouteDto'];
export type RouteTarget = Schemas['RouteTargetDto'];

/** The project's routes: a model name callers ask for, and the targets that serve it in order. */
export function useRoutes(projectId: string) {
  return useQuery({
    queryKey: proxyKeys.routes(projectId),
    queryFn: async () => unwrap(await api.GET('/v1/projects/{projectId}/routes', { params: { path: { projectId } } })),
  });
}

/** Sets the route for a model name: creates it, or replaces the route that model name has. */
export function useSetRoute(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['SetRouteDto']) =>
      unwrap(await api.PUT('/v1/projects/{projectId}/routes', { params: { path: { projectId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: proxyKeys.routes(projectId) }),
  });
}

export function useRemoveRoute(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (routeId: string) =>
      unwrap(await api.DELETE('/v1/projects/{projectId}/routes/{routeId}', { params: { path: { projectId, routeId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: proxyKeys.routes(projectId) }),
  });
}

export type RouteTraffic = Schemas['RouteTrafficRowDto'];

/** What each route served over the last 30 UTC days, today included (the `30d` range): calls, errors, fallbacks, cache hits. */
export function useRouteTraffic(projectId: string) {
  return useQuery({
    queryKey: proxyKeys.routeTraffic(projectId),
    queryFn: async () =>
      unwrap(await api.GET('/v1/projects/{projectId}/routes/traffic', { params: { path: { projectId }, query: presetRange('30d') } })),
  });
}
