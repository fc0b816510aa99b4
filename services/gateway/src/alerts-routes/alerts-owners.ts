import { alertsSubjects, type AlertsResource } from '@llmlab/contracts';
import { httpStatusOfWireCode } from '../http/error-status';
import { ServiceReplyError } from '../http/problem';
import type { OwnerLookup, ResourceOwners } from '../identity/resource-owners';
import type { ServiceClient } from '../messaging/service-client';

/** The path parameters of the alerts routes that name a resource by its own id, and what they name. */
export const ALERTS_RESOURCE_PARAMS: Record<string, AlertsResource> = { budgetId: 'budget', alertId: 'alert', channelId: 'channel' };

/** Asks the alerts service whose a budget, alert or channel is; its not-found answer is "nobody's", anything else fails. */
export function alertsOwnerLookup(client: ServiceClient, resource: AlertsResource): OwnerLookup {
  return async (id, correlationId) => {
    const reply = await client.ask(alertsSubjects.resolveOwner, { resource, id }, { correlationId });
    if (reply.ok) return reply.data.organizationId;
    if (httpStatusOfWireCode(reply.error.code) === 404) return null;
    throw new ServiceReplyError(reply.error);
  };
}

export function registerAlertsOwners(owners: ResourceOwners, client: ServiceClient): void {
  for (const [param, resource] of Object.entries(ALERTS_RESOURCE_PARAMS))
    owners.register(param, resource, alertsOwnerLookup(client, resource));
}
