import { v7 as uuidv7 } from 'uuid';
import type { UsageBatchAccepted, UsageEventInput } from '@llmlab/contracts';

export interface Tenant {
  organizationId: string;
  projectId: string;
  apiKeyId: string;
}

export function newTenant(organizationId = uuidv7()): Tenant {
  return { organizationId, projectId: uuidv7(), apiKeyId: uuidv7() };
}

export function usageBatch(tenant: Tenant, events: UsageEventInput[], overrides: Partial<UsageBatchAccepted> = {}): UsageBatchAccepted {
  return {
    batchId: uuidv7(),
    organizationId: tenant.organizationId,
    projectId: tenant.projectId,
    apiKeyId: tenant.apiKeyId,
    receivedAt: new Date().toISOString(),
    events,
    ...overrides,
  };
}
