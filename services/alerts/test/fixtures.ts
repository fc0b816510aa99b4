import type { RequestContext } from '@llmlab/contracts';
import type { Tenant } from '@llmlab/testing';

export { newTenant, usageRecord, usageRecorded, usageRepriced, type Tenant } from '@llmlab/testing';

/** The request context the gateway sends for a member of the tenant's organization. */
export function contextOf(tenant: Pick<Tenant, 'organizationId'>): Partial<RequestContext> {
  return { organizationId: tenant.organizationId, actor: { type: 'user', id: 'user-1' } };
}
