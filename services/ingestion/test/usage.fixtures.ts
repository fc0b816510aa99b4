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

/** A valid usage event (as `validateUsageEvent` returns it), a minute old, priced by the bundled catalog. */
export function usageEvent(overrides: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    id: uuidv7(),
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 1000, outputTokens: 200 },
    latencyMs: 420,
    status: 'success',
    tags: {},
    metadata: {},
    ...overrides,
  };
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
