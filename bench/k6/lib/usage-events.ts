// Usage events shaped like the SDK's (and `npm run bench:ingest`'s): four priced models, cached tokens on a third,
// an end user among 200, two tags, the usual metadata, one error in fifty. Valid per the contracts'
// `validateUsageEvent` (the unit test checks it), so that every event is load, not a rejection.

const MODELS = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4.1'],
  ['anthropic', 'claude-haiku-4-5'],
  ['anthropic', 'claude-sonnet-4-6'],
] as const;
const FEATURES = ['search', 'chat', 'summaries', 'agents'];

export interface UsageEvent {
  id: string;
  timestamp: string;
  provider: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number; cacheWriteTokens: number; reasoningTokens: number };
  latencyMs: number;
  status: 'success' | 'error';
  errorType?: string;
  userId: string;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
}

/**
 * `count` events, ids `<prefix>-<n>` (the prefix names the run, the phase and the iteration, so ids never repeat),
 * all stamped `timestamp`; `tag` marks the run's phase (`k6run`), which the scripts count in the cost breakdown.
 */
export function usageEvents(prefix: string, count: number, timestamp: string, tag: string): UsageEvent[] {
  const events: UsageEvent[] = [];
  for (let i = 0; i < count; i++) {
    const [provider, model] = MODELS[i % MODELS.length];
    const failed = i % 50 === 49;
    events.push({
      id: `${prefix}-${i}`,
      timestamp,
      provider,
      model,
      usage: {
        inputTokens: 1200 + (i % 800),
        outputTokens: 80 + (i % 300),
        cachedInputTokens: i % 3 === 0 ? 1024 : 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
      latencyMs: 300 + (i % 900),
      status: failed ? 'error' : 'success',
      ...(failed ? { errorType: 'RateLimitError' } : {}),
      userId: `user-${i % 200}`,
      tags: { app: 'k6', feature: FEATURES[i % FEATURES.length], k6run: tag },
      metadata: { operation: 'chat.completions.create', stream: i % 2 === 0, requestId: `req_${prefix}-${i}` },
    });
  }
  return events;
}
