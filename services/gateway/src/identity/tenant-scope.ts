import type { RequestContext } from '@llmlab/contracts';

/**
 * The scope the identity guard resolved from the path, never from the query: a project (and its organization), or
 * the whole organization.
 */
export function tenant(caller: RequestContext, scope: 'project'): { organizationId: string; projectId: string };
export function tenant(caller: RequestContext, scope: 'organization'): { organizationId: string };
export function tenant(caller: RequestContext, scope: 'project' | 'organization') {
  if (!caller.organizationId || (scope === 'project' && !caller.projectId)) {
    throw new Error(`the identity guard resolved no ${scope} for this route`);
  }
  return scope === 'project'
    ? { organizationId: caller.organizationId, projectId: caller.projectId! }
    : { organizationId: caller.organizationId };
}
