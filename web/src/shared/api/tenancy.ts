import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { unwrap } from './problem';

/** Who is signed in, and their organizations and projects: what the layout and the switcher need. */
export const tenancyKeys = {
  me: ['me'] as const,
  organizations: ['organizations'] as const,
  projects: (orgId: string) => ['organizations', orgId, 'projects'] as const,
};

export function useMe() {
  return useQuery({ queryKey: tenancyKeys.me, queryFn: async () => unwrap(await api.GET('/v1/me')), staleTime: 5 * 60_000 });
}

export function useOrganizations() {
  return useQuery({
    queryKey: tenancyKeys.organizations,
    queryFn: async () => unwrap(await api.GET('/v1/organizations')).data,
    staleTime: 60_000,
  });
}

export function useProjects(orgId: string) {
  return useQuery({
    queryKey: tenancyKeys.projects(orgId),
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/projects', { params: { path: { orgId } } })).data,
    enabled: orgId !== '',
    staleTime: 60_000,
  });
}

/** The caller's role in the organization, to hide what they may not do (the API refuses it anyway). */
export function useRole(orgId: string) {
  const organizations = useOrganizations();
  return organizations.data?.find((o) => o.id === orgId)?.role;
}

const RANK = { viewer: 0, member: 1, admin: 2, owner: 3 } as const;
export function atLeast(role: keyof typeof RANK | undefined, minimum: keyof typeof RANK): boolean {
  return role !== undefined && RANK[role] >= RANK[minimum];
}
