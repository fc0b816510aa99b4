import { ScopeErrorCode, type RequestContext } from '@llmlab/contracts';
import { CodedError } from './errors';

declare const tenant: unique symbol;

/**
 * The organization a request was authorized for by the gateway. Repository and query methods take one, and it can
 * only be made from a request context (or, for a service's own background work, from an organization id it read
 * from its own data), so a query that is not scoped to a tenant does not compile.
 */
export interface OrganizationScope {
  readonly organizationId: string;
  readonly [tenant]: true;
}

/** A project the request was authorized for, with its organization. */
export interface ProjectScope extends OrganizationScope {
  readonly projectId: string;
}

/** The same answer as for a resource of another tenant: the context names no organization. */
export function organizationScope(context: RequestContext): OrganizationScope {
  if (!context.organizationId) throw new CodedError(ScopeErrorCode.OrganizationNotFound, 'organization not found');
  return { organizationId: context.organizationId } as OrganizationScope;
}

export function projectScope(context: RequestContext): ProjectScope {
  if (!context.organizationId || !context.projectId) throw new CodedError(ScopeErrorCode.ProjectNotFound, 'project not found');
  return { organizationId: context.organizationId, projectId: context.projectId } as ProjectScope;
}

/** For consumers and schedulers: the organization an event or a row of the service's own data belongs to. */
export function trustedScope(organizationId: string): OrganizationScope {
  return { organizationId } as OrganizationScope;
}

/** For consumers and schedulers: a project read from the service's own data, with its organization. */
export function trustedProjectScope(organizationId: string, projectId: string): ProjectScope {
  return { organizationId, projectId } as ProjectScope;
}
