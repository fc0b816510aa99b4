import { v7 as uuidv7 } from 'uuid';
import type { UsageEventInput } from '@llmlab/contracts';

/** A valid usage event as a client sends it (and `validateUsageEvent` returns it), a minute old, priced by the bundled catalog (gpt-4o-mini). */
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
