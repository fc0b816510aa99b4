import type { PrefixTraffic, Proposal, ProjectTraffic, QuoteCall, Recommender } from './recommender';

/** When a repeated prefix is worth caching (docs/recommendations.md, "Prompt caching"). */
export const CACHING_SHAPE = {
  minCalls: 20,
  /** OpenAI caches prompts of 1,024 tokens and more; Anthropic's minimum is the same for most models. */
  minPrefixTokens: 1_024,
  /** Below this share of the prefix tokens read from the cache, caching is not working. */
  maxCachedShare: 0.5,
  /** Anthropic writes the cache again after 5 idle minutes: assume one write per this many calls (and one a day). */
  callsPerCacheWrite: 10,
};

/**
 * A long prompt prefix (system prompt and tools) repeated across calls while little of it is read from the cache.
 * With caching on, every call after the first of a day reads the prefix from the cache (OpenAI caches automatically
 * once the prefix comes first and is stable; Anthropic needs `cache_control`, and charges cache writes). The saving is
 * the observed input priced as it was minus priced with those reads (and, for Anthropic, the writes).
 */
export class PromptCachingRecommender implements Recommender {
  readonly kind = 'prompt_caching' as const;

  propose(traffic: ProjectTraffic): Proposal[] {
    const at = `${traffic.window.to}T00:00:00.000Z`;
    const proposals: Proposal[] = [];
    for (const row of traffic.prefixes) {
      if (row.calls < CACHING_SHAPE.minCalls || row.prefixTokens < CACHING_SHAPE.minPrefixTokens) continue;
      const prefixTotal = row.calls * row.prefixTokens;
      const cachedShare = prefixTotal === 0 ? 1 : row.cachedInputTokens / prefixTotal;
      if (cachedShare >= CACHING_SHAPE.maxCachedShare) continue;
      const changed = cachedUsage(row, traffic.window.days);
      if (!changed) continue;
      const current: QuoteCall[] = [
        {
          provider: row.provider,
          model: row.model,
          at,
          usage: {
            inputTokens: row.inputTokens,
            cachedInputTokens: row.cachedInputTokens,
            cacheWriteTokens: row.cacheWriteTokens,
            outputTokens: 0,
          },
        },
      ];
      const how =
        row.provider === 'anthropic'
          ? 'mark the end of the system prompt and tools with `cache_control: { type: "ephemeral" }`'
          : 'keep the system prompt and tools first and byte-identical across calls, so the automatic prompt cache applies';
      proposals.push({
        findings: {
          kind: 'prompt_caching',
          scope: { projectId: traffic.projectId, provider: row.provider, model: row.model, feature: null },
          title: `Cache the ${row.prefixTokens}-token prompt prefix repeated by ${row.calls} ${row.model} calls`,
          change:
            `${row.calls} calls to ${row.provider}/${row.model} began with the same ${row.prefixTokens}-token prefix (prefix ` +
            `${row.prefixHash.slice(0, 12)}…), but only ${(cachedShare * 100).toFixed(1)} % of it was read from the cache: ${how}.`,
          target: null,
          evidence: {
            window: { from: traffic.window.from, to: traffic.window.to },
            figures: {
              calls: row.calls,
              prefixTokens: row.prefixTokens,
              prefixHash: row.prefixHash,
              cachedInputTokens: row.cachedInputTokens,
              cachedShare: cachedShare.toFixed(4),
            },
          },
          confidence: row.calls >= 200 ? 'high' : 'medium',
          caveats: [
            'Assumes the prefix is identical across the calls (its fingerprint is) and that calls come close enough together for the cache to stay warm.',
          ],
        },
        savings: { kind: 'reprice', current, changed: [{ ...current[0], usage: changed }] },
      });
    }
    return proposals;
  }
}

/** The same input with the prefix read from the cache after the first call of each day, and Anthropic's cache writes. */
function cachedUsage(row: PrefixTraffic, days: number) {
  const writes = row.provider === 'anthropic' ? Math.max(days, Math.ceil(row.calls / CACHING_SHAPE.callsPerCacheWrite)) : 0;
  const misses = Math.min(row.calls, Math.max(days, writes));
  const reads = Math.max(row.cachedInputTokens, (row.calls - misses) * row.prefixTokens);
  const written = Math.max(row.cacheWriteTokens, writes * row.prefixTokens);
  if (reads + written > row.inputTokens) return undefined;
  return { inputTokens: row.inputTokens, cachedInputTokens: reads, cacheWriteTokens: written, outputTokens: 0 };
}
