import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@llmlab/contracts';

/** Events the service appends on its own account: the system acts, for the organization, under a fresh correlation id. */
export function systemMetadata(organizationId: string): EventMetadata {
  return { actor: { type: 'system', id: 'alerts' }, organizationId, correlationId: randomUUID() };
}
