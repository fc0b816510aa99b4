import type { EventMetadata } from '@llmlab/contracts';
import { currentContext } from '@llmlab/logging';

/**
 * Metadata for events appended while handling the current request: who acted, for which tenant, and the
 * correlation id that started at the HTTP edge. Outside a request (schedulers, consumers without context) the
 * actor is the system and a fresh correlation id is expected from the caller.
 */
export function metadataFromContext(overrides: Partial<EventMetadata> = {}): EventMetadata {
  const ctx = currentContext();
  return {
    actor: ctx?.actor ?? { type: 'system', id: 'system' },
    organizationId: ctx?.organizationId,
    projectId: ctx?.projectId,
    correlationId: ctx?.correlationId ?? 'none',
    ip: ctx?.ip,
    userAgent: ctx?.userAgent,
    ...overrides,
  };
}
