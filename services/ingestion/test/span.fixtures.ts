import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { SpanBatchAccepted, SpanInput } from '@llmlab/contracts';
import type { Tenant } from './usage.fixtures';

export const traceId = (): string => randomBytes(16).toString('hex');
export const spanId = (): string => randomBytes(8).toString('hex');

/** A span of `trace`, a second long from `start`, with what a test does not care about filled in. */
export function span(trace: string, overrides: Partial<SpanInput> = {}, start = new Date(Date.now() - 60_000)): SpanInput {
  return {
    traceId: trace,
    spanId: spanId(),
    name: 'step',
    kind: 'internal',
    category: 'other',
    startTime: start.toISOString(),
    endTime: new Date(start.getTime() + 1_000).toISOString(),
    status: 'unset',
    tags: {},
    attributes: {},
    events: [],
    ...overrides,
  };
}

export function spanBatch(tenant: Tenant, spans: SpanInput[], overrides: Partial<SpanBatchAccepted> = {}): SpanBatchAccepted {
  return {
    batchId: uuidv7(),
    organizationId: tenant.organizationId,
    projectId: tenant.projectId,
    apiKeyId: tenant.apiKeyId,
    receivedAt: new Date().toISOString(),
    spans,
    ...overrides,
  };
}
