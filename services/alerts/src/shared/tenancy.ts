import type { RequestContext } from '@llmlab/contracts';
import { CodedError } from '@llmlab/messaging';

declare const tenant: unique symbol;

/**
 * The organization a request was authorized for by the gateway. Repository and query methods take one, and it can
 * only be made from a request context (or, for the service's own background work, from an organization id it
 * read from its own data), so a query that is not scoped to a tenant does not compile.
 */
export interface OrganizationScope {
  readonly organizationId: string;
  readonly [tenant]: true;
}

export function organizationScope(context: RequestContext): OrganizationScope {
  if (!context.organizationId) throw new CodedError('ORGANIZATION_NOT_FOUND', 404, 'organization not found');
  return { organizationId: context.organizationId } as OrganizationScope;
}

/** For consumers and schedulers: the organization an event or a row of this service belongs to. */
export function trustedScope(organizationId: string): OrganizationScope {
  return { organizationId } as OrganizationScope;
}

/** Who acted, for the `...By` fields of events: a user or an API key id, or the system. */
export function actorId(context: RequestContext): string {
  return context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:alerts';
}
