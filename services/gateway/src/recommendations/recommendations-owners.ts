import { recommendationsSubjects } from '@llmlab/contracts';
import { httpStatusOfWireCode } from '../http/error-status';
import { ServiceReplyError } from '../http/problem';
import type { OwnerLookup, ResourceOwners } from '../identity/resource-owners';
import type { ServiceClient } from '../messaging/service-client';

/** Asks the recommendations service whose a recommendation is; its not-found answer is "nobody's", anything else fails. */
export function recommendationOwnerLookup(client: ServiceClient): OwnerLookup {
  return async (id, correlationId) => {
    const reply = await client.ask(recommendationsSubjects.resolveOwner, { id }, { correlationId });
    if (reply.ok) return reply.data.organizationId;
    if (httpStatusOfWireCode(reply.error.code) === 404) return null;
    throw new ServiceReplyError(reply.error);
  };
}

export function registerRecommendationOwners(owners: ResourceOwners, client: ServiceClient): void {
  owners.register('recommendationId', 'recommendation', recommendationOwnerLookup(client));
}
