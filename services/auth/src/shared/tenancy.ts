import type { RequestContext } from '@llmlab/contracts';
import { organizationNotFound } from '../organizations/organization.errors';
import { projectNotFound } from '../projects/project.errors';
import { SessionError, SessionErrorCode } from '../sessions/session.errors';

declare const tenant: unique symbol;

/**
 * The organization a request was authorized for by the gateway. Read-model methods take one, and it can only be
 * made from a request context, so a query that is not scoped to a tenant does not compile.
 */
export interface OrganizationScope {
  readonly organizationId: string;
  readonly [tenant]: true;
}

export interface ProjectScope extends OrganizationScope {
  readonly projectId: string;
}

export function organizationScope(context: RequestContext): OrganizationScope {
  if (!context.organizationId) throw organizationNotFound();
  return { organizationId: context.organizationId } as OrganizationScope;
}

export function projectScope(context: RequestContext): ProjectScope {
  if (!context.organizationId || !context.projectId) throw projectNotFound();
  return { organizationId: context.organizationId, projectId: context.projectId } as ProjectScope;
}

/** The acting user; commands on identity data are for users, not API keys. */
export function actingUser(context: RequestContext): string {
  if (context.actor?.type !== 'user') throw new SessionError(SessionErrorCode.Unauthenticated, 'this operation needs a signed-in user');
  return context.actor.id;
}
