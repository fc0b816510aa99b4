import { useParams, useSearchParams } from 'react-router';

/** What a page is about: an organization, and optionally one of its projects (`?project=` in the URL). */
export interface Scope {
  orgId: string;
  projectId: string | null;
}

const LAST_SCOPE = 'llmlab.lastScope';

export function useScope(): Scope {
  const { orgId = '' } = useParams();
  const [params] = useSearchParams();
  return { orgId, projectId: params.get('project') };
}

/** The switcher's last choice: ids only (no credential), so the next visit opens where the user left. */
export function rememberScope(scope: Scope): void {
  try {
    localStorage.setItem(LAST_SCOPE, JSON.stringify(scope));
  } catch {
    // Storage may be disabled: the choice is then simply not remembered.
  }
}

export function lastScope(): Scope | null {
  try {
    const value = JSON.parse(localStorage.getItem(LAST_SCOPE) ?? 'null') as Partial<Scope> | null;
    return value && typeof value.orgId === 'string' ? { orgId: value.orgId, projectId: value.projectId ?? null } : null;
  } catch {
    return null;
  }
}

/** A dashboard link inside the organization, keeping the project chosen in the switcher. */
export function scopedPath(scope: Scope, page: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...(scope.projectId ? { project: scope.projectId } : {}), ...extra });
  const query = params.toString();
  return `/orgs/${scope.orgId}/${page}${query ? `?${query}` : ''}`;
}
