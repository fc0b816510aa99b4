import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';

export type ProviderKey = Schemas['ProviderKeyDto'];
export type Provider = ProviderKey['provider'];

export const PROVIDER_NAMES: Record<Provider, string> = { openai: 'OpenAI', anthropic: 'Anthropic' };

export const proxyKeys = {
  providerKeys: (projectId: string) => ['provider-keys', projectId] as const,
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
